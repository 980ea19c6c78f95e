package storage

import (
	"encoding/binary"
	"math"
	"unsafe"
)

// Vectors are stored as little-endian float32s. On little-endian hosts
// (amd64, arm64) that is their memory layout, and converting is a copy;
// elsewhere it is a loop.

var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// floatBytes views v's memory as bytes (always aligned: it is the float
// slice that is reinterpreted, never a byte slice).
func floatBytes(v []float32) []byte {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))
}

// putFloats writes v to dst (4*len(v) bytes) as little-endian float32s.
func putFloats(dst []byte, v []float32) {
	if littleEndian {
		copy(dst[:4*len(v)], floatBytes(v))
		return
	}
	for i, f := range v {
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(f))
	}
}

// getFloats reads len(dst) little-endian float32s from src.
func getFloats(dst []float32, src []byte) {
	if littleEndian {
		copy(floatBytes(dst), src[:4*len(dst)])
		return
	}
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}
