//go:build unix && !linux

package hnsw

func adviseHuge([]byte) {}
