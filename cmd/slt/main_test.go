package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--protocol", "carrier-pigeon", "x.slt"},
		{"--create-db", "x.slt"},
		{"--no-such-flag"},
	} {
		var out, errOut strings.Builder
		if code := run(args, &out, &errOut); code != 2 {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
	}
}

func TestUnparsableFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.slt")
	if err := os.WriteFile(path, []byte("frobnicate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut strings.Builder
	code := run([]string{"--addr", "127.0.0.1:1", path}, &out, &errOut)
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !strings.Contains(lines[0], "unknown record type") || lines[len(lines)-1] != "0 passed, 0 failed" {
		t.Errorf("output:\n%s", out.String())
	}
}
