//go:build !linux

package offheap

// AdviseHuge does nothing where there are no transparent huge pages.
func AdviseHuge([]byte) {}
