// Command repmon is a social-media reputation monitor: it collects brand
// mentions on a schedule, scores their sentiment, alerts on negative posts
// and exports trends as Prometheus metrics.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

const usage = `usage: repmon <command> [flags]

commands:
  run           --config FILE                       run the monitor
  check-config  --config FILE                       validate a config file (exit 2 on problems)
  score         [--mode vader|reputation] [--format tsv|jsonl] [--explain] [--config FILE [--brand B]] [--labelled] [TEXT...]
                                                    score texts (arguments, or lines of stdin)
  mentions      --config FILE [--brand B] [--source S] [--since 24h|RFC3339] [--format jsonl|csv]
                                                    export stored mentions
  alerts        test --config FILE --channel NAME   send a test alert
  alerts        backtest --config FILE --since 30d  replay stored mentions through the rules
  version                                           print the version
`

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return cmdRun(rest, stderr)
	case "check-config":
		return cmdCheckConfig(rest, stdout, stderr)
	case "score":
		return cmdScore(rest, stdin, stdout, stderr)
	case "mentions":
		return cmdMentions(rest, stdout, stderr)
	case "alerts":
		return cmdAlerts(rest, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "repmon %s (%s)\n", Version(), runtime.Version())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "repmon: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}

// Version is the build's version: the -ldflags value, else the module
// version, else "dev".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
