package types

import "testing"

func BenchmarkAppendTextInt8(b *testing.B) {
	d := NewInt(-1234567890123)
	buf := make([]byte, 0, 64)
	for i := 0; i < b.N; i++ {
		buf = AppendText(buf[:0], d, Int8, nil)
	}
}

func BenchmarkParseTextInt8(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := ParseText(Int8, "-1234567890123"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendTextFloat8(b *testing.B) {
	d := NewFloat(3.141592653589793)
	buf := make([]byte, 0, 64)
	for i := 0; i < b.N; i++ {
		buf = AppendText(buf[:0], d, Float8, nil)
	}
}

func BenchmarkParseTextFloat8(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := ParseText(Float8, "3.141592653589793"); err != nil {
			b.Fatal(err)
		}
	}
}
