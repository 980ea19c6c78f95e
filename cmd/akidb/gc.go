package main

import "runtime/debug"

// defaultGCPercent is the garbage collector's target when the GOGC
// environment variable does not set one. The server's big arrays (the
// vector indexes' arenas and link lists) live outside the Go heap, so the
// heap is mostly short-lived statement garbage and Pebble's buffers: a
// target of 50 rather than the runtime's 100 keeps the peak heap of a bulk
// load (COPY, index builds) about a third lower for a little more GC work.
const defaultGCPercent = 50

// setGCPercent applies defaultGCPercent unless GOGC is set (getenv is
// os.Getenv; the runtime has already applied GOGC then). It reports the
// percentage in force.
func setGCPercent(getenv func(string) string) int {
	if getenv("GOGC") != "" {
		old := debug.SetGCPercent(100)
		debug.SetGCPercent(old)
		return old
	}
	debug.SetGCPercent(defaultGCPercent)
	return defaultGCPercent
}
