//go:build unix && !linux

package storage

// adviseHuge does nothing where there are no transparent huge pages.
func adviseHuge([]byte) {}
