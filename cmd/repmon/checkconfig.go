package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/store"
)

func cmdCheckConfig(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check-config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", defaultConfig, "config file")
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
func loadConfig(path string, stderr io.Writer, opts ...config.LoadOption) (*config.Config, error) {
	cfg, err := config.LoadFile(path, opts...)
	var probs config.Problems
	switch {
	case err == nil:
		return cfg, nil
	case errors.As(err, &probs):
		for _, p := range probs {
			fmt.Fprintln(stderr, p)
		}
	case errors.Is(err, config.ErrNotFound) && path == defaultConfig:
		fmt.Fprintf(stderr, "repmon: config file %s does not exist (pass --config FILE)\n", path)
	case errors.Is(err, config.ErrNotFound):
		fmt.Fprintf(stderr, "repmon: config file %s does not exist\n", path)
	default:
		fmt.Fprintf(stderr, "repmon: %v\n", err)
	}
	return nil, err
}

// defaultConfig is the --config of every command that reads one.
const defaultConfig = "repmon.yml"

// openStore opens the configured store for the offline commands that read
// what `repmon run` stored (mentions, alerts backtest), reporting a failure
// on stderr. A SQLite database that does not exist is a mistaken path (or
// a relative one from another directory), which it reports rather than
// create an empty database and answer from it.
func openStore(ctx context.Context, cfg *config.Config, stderr io.Writer) (store.Store, error) {
	var st store.Store
	var err error
	if cfg.Storage.Driver == "postgres" {
		st, err = store.OpenPostgres(ctx, cfg.Storage.DSN.Value(), nil)
	} else {
		path := cfg.Storage.DSN.Value()
		if _, err = os.Stat(path); errors.Is(err, os.ErrNotExist) {
			err = fmt.Errorf("no database at %s (storage.dsn): check the path, which is relative to the working directory, or start `repmon run` first", path)
		}
		if err == nil {
			st, err = store.OpenSQLite(ctx, path, nil)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "repmon: %v\n", err)
		return nil, err
	}
	return st, nil
}
