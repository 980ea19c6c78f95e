// Command slt runs sqllogictest files against AkiDB.
//
//	go run ./cmd/slt [flags] FILES...
//
// By default each file runs against its own embedded AkiDB server with a
// fresh data directory, connected as --user to the database
// "slt_<file name>" (sqllogictest.DatabaseName). With --addr the files run
// against a server that is already running; giving each file a fresh
// database is then the caller's job, unless --create-db is set, which
// creates that database (dropping it first) through --database before the
// file and drops it after, as on PostgreSQL.
//
// Files ending in .slt are read in the sqllogictest-rs style, others in
// SQLite's. It prints "N passed, N failed" for each file, the first
// mismatches with their SQL, and a last line "N passed, N failed" with the
// totals; the exit status is 1 when a record failed and 2 when a file could
// not be run.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/akidb/akidb/server"
	"github.com/akidb/akidb/sqllogictest"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	addr, user, database string
	createDB             bool
	protocol             sqllogictest.Protocol
	rewrite              bool
	show                 int
	timeout              time.Duration
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("slt", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	var proto string
	fs.StringVar(&o.addr, "addr", "", "run against the server at host:port instead of an embedded one")
	fs.StringVar(&o.user, "user", "postgres", "user name to connect as")
	fs.StringVar(&o.database, "database", "", `database to connect to (default "slt_<file name>"; with --addr and no --create-db, "postgres")`)
	fs.BoolVar(&o.createDB, "create-db", false, "with --addr: create a fresh database per file (through --database, default postgres) and drop it after")
	fs.StringVar(&proto, "protocol", "simple", "query protocol: simple, or extended (Parse/Bind/Execute with text results)")
	fs.BoolVar(&o.rewrite, "rewrite", false, "replace the expected results of queries in the files with the actual ones")
	fs.IntVar(&o.show, "show", 3, "how many mismatches to show per file")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Minute, "limit for each record")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: slt [flags] FILES...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	var err error
	if o.protocol, err = sqllogictest.ParseProtocol(proto); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if o.createDB && o.addr == "" {
		fmt.Fprintln(stderr, "slt: --create-db needs --addr")
		return 2
	}

	ctx := context.Background()
	var passed, failed int
	status := 0
	for _, file := range fs.Args() {
		res, err := runFile(ctx, o, file)
		if err != nil {
			fmt.Fprintf(stdout, "%s: %v\n", file, err)
			status = 2
			continue
		}
		passed += res.Passed
		failed += res.Failed
		fmt.Fprintf(stdout, "%s: %d passed, %d failed", file, res.Passed, res.Failed)
		if res.Skipped > 0 {
			fmt.Fprintf(stdout, " (%d skipped)", res.Skipped)
		}
		fmt.Fprintln(stdout)
		for i, m := range res.Mismatches {
			if i == o.show {
				break
			}
			fmt.Fprint(stdout, m.String())
		}
		if res.Failed > o.show && o.show > 0 {
			fmt.Fprintf(stdout, "  ... %d more failures\n", res.Failed-min(o.show, len(res.Mismatches)))
		}
		if o.rewrite {
			if err := sqllogictest.Rewrite(file, res.Outcomes); err != nil {
				fmt.Fprintf(stdout, "%s: %v\n", file, err)
				status = 2
			}
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	if status == 0 && failed > 0 {
		status = 1
	}
	return status
}

// runFile runs one file against a fresh database: a new embedded server,
// or the server at --addr.
func runFile(ctx context.Context, o options, file string) (res *sqllogictest.FileResult, err error) {
	recs, err := sqllogictest.ParseFile(file)
	if err != nil {
		return nil, err
	}
	db := o.database
	if db == "" && (o.addr == "" || o.createDB) {
		db = sqllogictest.DatabaseName(file)
	} else if db == "" {
		db = "postgres"
	}

	var h *sqllogictest.PGX
	switch {
	case o.addr == "":
		dir, err := os.MkdirTemp("", "slt-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		srv, err := server.StartEmbedded(dir, server.Config{})
		if err != nil {
			return nil, fmt.Errorf("start embedded server: %w", err)
		}
		defer func() { err = errors.Join(err, srv.Close()) }()
		if srv.Addr() == "" {
			return nil, errors.New("embedded server reports no address")
		}
		if h, err = sqllogictest.ConnectPGX(ctx, sqllogictest.ConnString(srv.Addr(), o.user, db), o.protocol); err != nil {
			return nil, err
		}
		defer h.Close(ctx)
	case o.createDB:
		admin := o.database
		if admin == "" {
			admin = "postgres"
		}
		var cleanup func() error
		if h, cleanup, err = sqllogictest.ConnectFresh(ctx, o.addr, o.user, admin, sqllogictest.DatabaseName(file), o.protocol); err != nil {
			return nil, err
		}
		defer func() { err = errors.Join(err, cleanup()) }()
	default:
		if h, err = sqllogictest.ConnectPGX(ctx, sqllogictest.ConnString(o.addr, o.user, db), o.protocol); err != nil {
			return nil, err
		}
		defer h.Close(ctx)
	}

	r := sqllogictest.Runner{Harness: h, Timeout: o.timeout, MaxMismatches: max(o.show, 1), KeepOutcomes: o.rewrite}
	return r.RunRecords(ctx, file, sqllogictest.StyleOf(file), recs), nil
}
