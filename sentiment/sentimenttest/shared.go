// Package sentimenttest locates the shared VADER data (lexicons, corpora
// and the reference implementation's outputs) for the tests that read it.
package sentimenttest

import (
	"os"
	"path/filepath"
	"testing"
)

// SharedDir returns the shared data folder (the one containing data/vader):
// $REPMON_SHARED_DIR when set (missing files are then a failure, as in CI;
// a relative path is taken from the module root, where the go test command
// is usually typed, not from the package directory the test runs in),
// otherwise ../shared next to the module root (or next to an enclosing
// module's root: bench/ is a module of its own); without either the test
// is skipped with instructions.
func SharedDir(tb testing.TB) string {
	tb.Helper()
	const probe = "data/vader/reference/tweets.tsv"
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	if d := os.Getenv("REPMON_SHARED_DIR"); d != "" {
		if !filepath.IsAbs(d) {
			d = filepath.Join(moduleRoot(dir), d)
		}
		if _, err := os.Stat(filepath.Join(d, probe)); err != nil {
			tb.Fatalf("REPMON_SHARED_DIR=%s: %v", os.Getenv("REPMON_SHARED_DIR"), err)
		}
		return d
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(dir, "..", "shared")
			if _, err := os.Stat(filepath.Join(d, probe)); err == nil {
				return d
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	tb.Skip("shared VADER data not found: set REPMON_SHARED_DIR=/path/to/shared (the folder containing data/vader)")
	return ""
}

// moduleRoot returns the nearest directory at or above dir with a go.mod,
// or dir.
func moduleRoot(dir string) string {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}
