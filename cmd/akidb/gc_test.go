package main

import (
	"runtime/debug"
	"testing"
)

func TestSetGCPercent(t *testing.T) {
	orig := debug.SetGCPercent(100)
	defer debug.SetGCPercent(orig)

	if got := setGCPercent(func(string) string { return "" }); got != defaultGCPercent {
		t.Fatalf("without GOGC: got %d, want %d", got, defaultGCPercent)
	}
	if cur := debug.SetGCPercent(100); cur != defaultGCPercent {
		t.Fatalf("without GOGC the runtime has %d, want %d", cur, defaultGCPercent)
	}

	// With GOGC set the runtime's setting (here 80, as if from GOGC=80)
	// is left alone.
	debug.SetGCPercent(80)
	env := func(k string) string {
		if k == "GOGC" {
			return "80"
		}
		return ""
	}
	if got := setGCPercent(env); got != 80 {
		t.Fatalf("with GOGC=80: got %d, want 80", got)
	}
	if cur := debug.SetGCPercent(100); cur != 80 {
		t.Fatalf("with GOGC the runtime has %d, want 80", cur)
	}
}
