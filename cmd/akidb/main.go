// Command akidb runs the AkiDB server: a vector database that speaks the
// PostgreSQL wire protocol.
//
//	akidb [--listen host:port] [--data DIR] [--config FILE]
//
// Settings come from the optional TOML file (listen, data_dir,
// max_message_size, shutdown_timeout, debug_listen, and the [tiering] and [s3] tables),
// then the AKIDB_* environment (AKIDB_LISTEN, AKIDB_DATA_DIR, the tiering
// policy and the S3 connection), then the flags, each overriding the one
// before. Without an S3 bucket, COLD collections go to a local directory. The
// server logs one line when it is ready; SIGTERM or SIGINT stops it:
// it stops accepting, lets running statements finish (up to
// shutdown_timeout), and closes the store.
//
// Unless GOGC is set, the garbage collector runs at GOGC=50 (see gc.go).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/akidb/akidb/server"
	"github.com/akidb/akidb/sql"
)

func main() {
	setGCPercent(os.Getenv)
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	s, err := load(os.Args[1:], os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "akidb:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, s, log); err != nil {
		log.Error("akidb stopped", "err", err)
		os.Exit(1)
	}
}

// run serves until ctx is cancelled, then shuts down and closes the store.
func run(ctx context.Context, s settings, log *slog.Logger) (err error) {
	st, err := server.OpenStack(ctx, s.DataDir, s.tieringConfig(), log)
	if err != nil {
		return fmt.Errorf("open data directory %s: %w", s.DataDir, err)
	}
	defer func() {
		if cerr := st.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("close store: %w", cerr))
		}
	}()
	if s.DebugListen != "" {
		stopDebug, err := serveDebug(s.DebugListen, log)
		if err != nil {
			return fmt.Errorf("debug listener: %w", err)
		}
		defer stopDebug()
	}
	ln, err := net.Listen("tcp", s.Listen)
	if err != nil {
		return err
	}
	srv := server.New(sql.NewEngine(st.DB, sql.Options{Tiers: st.Tiers, Logger: log}), server.Config{
		MaxMessageSize:  s.MaxMessageSize,
		ShutdownTimeout: s.ShutdownTimeout.Duration,
		Logger:          log,
	})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("akidb ready", "addr", ln.Addr().String(), "data_dir", s.DataDir, "version", server.ServerVersion)

	select {
	case err := <-served:
		// The listener failed by itself.
		_ = srv.Shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	if err := srv.Shutdown(context.Background()); err != nil {
		return err
	}
	return <-served
}
