package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/repmon/repmon"
	"github.com/repmon/repmon/api"
	"github.com/repmon/repmon/config"
	"github.com/repmon/repmon/store"
)

func cmdMentions(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mentions", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", defaultConfig, "config file")
	brand := fs.String("brand", "", "only this brand")
	source := fs.String("source", "", "only this source")
	since := fs.String("since", "", "only mentions created since (24h, 7d, or RFC 3339)")
	format := fs.String("format", "jsonl", "jsonl or csv")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *format != "jsonl" && *format != "csv" {
		fmt.Fprintf(stderr, "repmon: --format: want jsonl or csv, got %q\n", *format)
		return 2
	}
	q := store.Query{Brand: *brand, Source: *source, Ascending: true, Limit: 1000}
	if *since != "" {
		t, err := api.ParseSince(*since, time.Now())
		if err != nil {
			fmt.Fprintf(stderr, "repmon: --%v\n", err)
			return 2
		}
		q.Since = t
	}
	// it reads only the database: the collectors' and channels' secrets
	// need not be exported
	cfg, err := loadConfig(*path, stderr, config.Uses("storage"))
	if err != nil {
		return 2
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg, stderr)
	if err != nil {
		return 1
	}
	defer st.Close()
	if err := exportMentions(ctx, st, q, *format, stdout); err != nil {
		fmt.Fprintf(stderr, "repmon: %v\n", err)
		return 1
	}
	return 0
}

var csvHeader = []string{"source", "source_type", "id", "brand", "created_at", "collected_at", "author", "author_followers",
	"lang", "likes", "reposts", "replies", "compound", "pos", "neu", "neg", "label", "url", "text"}

func exportMentions(ctx context.Context, st store.Store, q store.Query, format string, w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	cw := csv.NewWriter(w)
	if format == "csv" {
		cw.Write(csvHeader)
	}
	for {
		ms, next, err := st.Mentions(ctx, q)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if format == "jsonl" {
				if err := enc.Encode(m); err != nil {
					return err
				}
				continue
			}
			cw.Write(csvRow(m))
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		q.Cursor = next
	}
}

func csvRow(m repmon.Mention) []string {
	i := func(n int64) string { return strconv.FormatInt(n, 10) }
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	s := m.Sentiment
	return []string{m.Source, m.SourceType, m.ID, m.Brand, m.CreatedAt.Format(time.RFC3339), m.CollectedAt.Format(time.RFC3339),
		m.Author, i(m.AuthorFollowers), m.Lang, i(m.Likes), i(m.Reposts), i(m.Replies), f(s.Compound), f(s.Pos), f(s.Neu), f(s.Neg),
		s.Label, m.URL, m.Text}
}
