//go:build race

package tiering

// raceEnabled reports whether the race detector is on; it slows the
// loading of vectors about tenfold.
const raceEnabled = true
