package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/store"
)

func cmdCheckConfig(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check-config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "repmon.yml", "config file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if _, err := loadConfig(*path, stderr); err != nil {
		return 2
	}
	fmt.Fprintf(stdout, "%s: ok\n", *path)
	return 0
}

// loadConfig loads a config and prints its problems one per line.
func loadConfig(path string, stderr io.Writer) (*config.Config, error) {
	cfg, err := config.LoadFile(path)
	var probs config.Problems
	switch {
	case err == nil:
		return cfg, nil
	case errors.As(err, &probs):
		for _, p := range probs {
			fmt.Fprintln(stderr, p)
		}
	case errors.Is(err, config.ErrNotFound):
		fmt.Fprintf(stderr, "repmon: config file %s does not exist (pass --config FILE)\n", path)
	default:
		fmt.Fprintf(stderr, "repmon: %v\n", err)
	}
	return nil, err
}

// openStore opens the configured store for the offline commands (mentions,
// alerts test, alerts backtest), reporting a failure on stderr.
func openStore(ctx context.Context, cfg *config.Config, stderr io.Writer) (*store.SQLite, error) {
	st, err := store.OpenSQLite(ctx, cfg.Storage.DSN.Value(), nil)
	if err != nil {
		fmt.Fprintf(stderr, "repmon: %v\n", err)
	}
	return st, err
}
