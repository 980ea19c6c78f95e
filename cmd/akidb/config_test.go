package main

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadPrecedence(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "akidb.toml")
	if err := os.WriteFile(cfg, []byte(`
listen = "127.0.0.1:7000"
data_dir = "/from/file"
max_message_size = 1048576
shutdown_timeout = "3s"
`), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }

	s, err := load(nil, getenv)
	if err != nil || s.Listen != "127.0.0.1:5433" || s.DataDir != "./data" {
		t.Fatalf("defaults: %+v %v", s, err)
	}
	s, err = load([]string{"--config", cfg}, getenv)
	if err != nil || s.Listen != "127.0.0.1:7000" || s.DataDir != "/from/file" ||
		s.MaxMessageSize != 1<<20 || s.ShutdownTimeout.Duration != 3*time.Second {
		t.Fatalf("file: %+v %v", s, err)
	}
	env["AKIDB_LISTEN"] = "127.0.0.1:7001"
	env["AKIDB_DATA_DIR"] = "/from/env"
	s, err = load([]string{"--config", cfg}, getenv)
	if err != nil || s.Listen != "127.0.0.1:7001" || s.DataDir != "/from/env" {
		t.Fatalf("env over file: %+v %v", s, err)
	}
	s, err = load([]string{"--config", cfg, "--listen", "127.0.0.1:7002", "-data", "/from/flag"}, getenv)
	if err != nil || s.Listen != "127.0.0.1:7002" || s.DataDir != "/from/flag" || s.MaxMessageSize != 1<<20 {
		t.Fatalf("flags over env: %+v %v", s, err)
	}

	bad := filepath.Join(t.TempDir(), "bad.toml")
	os.WriteFile(bad, []byte("listn = \"x\"\n"), 0o644)
	if _, err := load([]string{"--config", bad}, getenv); err == nil {
		t.Fatal("an unknown key was accepted")
	}
	if _, err := load([]string{"--config", filepath.Join(t.TempDir(), "missing.toml")}, getenv); err == nil {
		t.Fatal("a missing config file was accepted")
	}
}

// debug_listen (file or AKIDB_DEBUG_LISTEN) turns on the profile server,
// which answers on the address it was given.
func TestDebugListen(t *testing.T) {
	env := map[string]string{"AKIDB_DEBUG_LISTEN": "127.0.0.1:0"}
	s, err := load(nil, func(k string) string { return env[k] })
	if err != nil || s.DebugListen != "127.0.0.1:0" {
		t.Fatalf("env: %+v %v", s, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	stop, err := serveDebug(addr, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	resp, err := http.Get("http://" + addr + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "goroutine profile") {
		t.Fatalf("status %d, body %.200s", resp.StatusCode, body)
	}
}
