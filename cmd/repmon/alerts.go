package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/repmon/repmon/alerts"
	"github.com/repmon/repmon/api"
	"github.com/repmon/repmon/config"
)

const alertsUsage = `usage:
  repmon alerts test --config FILE --channel NAME   send a test alert to one channel
  repmon alerts backtest --config FILE --since 30d  replay stored mentions through the rules
`

// cmdAlerts handles "repmon alerts test|backtest". Exit codes: 0 ok, 1 the
// operation failed, 2 bad usage or config.
func cmdAlerts(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, alertsUsage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	switch args[0] {
	case "test":
		return alertsTest(ctx, args[1:], stdout, stderr)
	case "backtest":
		return alertsBacktest(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, alertsUsage)
		return 0
	default:
		fmt.Fprintf(stderr, "repmon alerts: unknown subcommand %q\n\n%s", args[0], alertsUsage)
		return 2
	}
}

func alertsTest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("alerts test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", defaultConfig, "config file")
	channel := fs.String("channel", "", "channel name")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *channel == "" {
		fmt.Fprintln(stderr, "repmon alerts test: --channel is required")
		return 2
	}
	cfg, err := loadConfig(*path, stderr)
	if err != nil {
		return 2
	}
	var names []string
	for _, ch := range cfg.Alerts.Channels {
		names = append(names, ch.Name)
	}
	if !slices.Contains(names, *channel) {
		fmt.Fprintf(stderr, "repmon alerts test: no channel %q in %s (channels: %s)\n", *channel, *path, strings.Join(names, ", "))
		return 2
	}
	if err := alerts.SendTest(ctx, cfg, *channel); err != nil {
		fmt.Fprintf(stderr, "repmon: test alert to %s failed: %v\n", *channel, err)
		return 1
	}
	fmt.Fprintf(stdout, "test alert sent to %s\n", *channel)
	return 0
}

func alertsBacktest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("alerts backtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", defaultConfig, "config file")
	since := fs.String("since", "30d", "replay mentions created since (30d, 12h, or RFC 3339)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	from, err := api.ParseSince(*since, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "repmon: --%v\n", err)
		return 2
	}
	// the rules, brands, the sources' names and how late their posts
	// may arrive, and the database: not the collectors' and channels'
	// secrets, which a shell beside the monitor's unit seldom has
	cfg, err := loadConfig(*path, stderr, config.Uses("storage", "brands", "alerts.rules",
		"sources[].name", "sources[].schedule", "sources[].backfill"))
	if err != nil {
		return 2
	}
	st, err := openStore(ctx, cfg, stderr)
	if err != nil {
		return 1
	}
	defer st.Close()
	if err := alerts.Backtest(ctx, cfg, st, from, stdout); err != nil {
		fmt.Fprintf(stderr, "repmon: %v\n", err)
		return 1
	}
	return 0
}
