package types

import (
	"math"

	"github.com/cockroachdb/apd/v3"
)

// Kind says which field of a Datum holds its value.
type Kind uint8

const (
	KNull      Kind = iota
	KBool           // I: 0 or 1
	KInt            // I
	KFloat          // F
	KNumeric        // P: *apd.Decimal (never nil for KNumeric)
	KString         // S
	KBytes          // S holds the raw bytes
	KDate           // I: days since 2000-01-01; math.MinInt64/MaxInt64 are -infinity/infinity
	KTimestamp      // I: microseconds since 2000-01-01 00:00 (UTC for timestamptz); ±infinity as for KDate
	KJSON           // S: the jsonb text in PostgreSQL's normalized output form
	KVector         // P: []float32 (vector, and halfvec with values already rounded to float16)
	KSparse         // P: *SparseVec
	KArray          // P: *Array
	KUUID           // S: the 16 raw bytes
)

// Datum is one SQL value. The zero Datum is NULL.
type Datum struct {
	K Kind
	I int64
	F float64
	S string
	P any
}

// Row is one tuple of values.
type Row []Datum

// Null is the SQL NULL value.
var Null = Datum{}

// Infinity markers for dates and timestamps.
const (
	InfinityPos = math.MaxInt64
	InfinityNeg = math.MinInt64
)

func (d Datum) IsNull() bool { return d.K == KNull }

func NewBool(b bool) Datum {
	if b {
		return Datum{K: KBool, I: 1}
	}
	return Datum{K: KBool}
}
func NewInt(i int64) Datum            { return Datum{K: KInt, I: i} }
func NewFloat(f float64) Datum        { return Datum{K: KFloat, F: f} }
func NewString(s string) Datum        { return Datum{K: KString, S: s} }
func NewBytes(b []byte) Datum         { return Datum{K: KBytes, S: string(b)} }
func NewNumeric(d *apd.Decimal) Datum { return Datum{K: KNumeric, P: d} }
func NewDate(days int64) Datum        { return Datum{K: KDate, I: days} }
func NewTimestamp(micros int64) Datum { return Datum{K: KTimestamp, I: micros} }
func NewJSON(normalized string) Datum { return Datum{K: KJSON, S: normalized} }
func NewVector(v []float32) Datum     { return Datum{K: KVector, P: v} }
func NewSparse(v *SparseVec) Datum    { return Datum{K: KSparse, P: v} }
func NewArray(a *Array) Datum         { return Datum{K: KArray, P: a} }
func NewUUID(b [16]byte) Datum        { return Datum{K: KUUID, S: string(b[:])} }
func (d Datum) Bool() bool            { return d.I != 0 }
func (d Datum) Numeric() *apd.Decimal { return d.P.(*apd.Decimal) }

// Vector returns the elements of a KVector value.
func (d Datum) Vector() []float32 { return d.P.([]float32) }

// Sparse returns the value of a KSparse datum.
func (d Datum) Sparse() *SparseVec { return d.P.(*SparseVec) }

// Array returns the value of a KArray datum.
func (d Datum) Array() *Array { return d.P.(*Array) }

// SparseVec is a sparsevec value: Dim dimensions of which those at the
// 0-based indices Idx (strictly increasing) hold the non-zero values Val.
type SparseVec struct {
	Dim int32
	Idx []int32
	Val []float32
}

// Array is an array value of element type Elem. Elems are in row-major
// order. Dims is nil for a one-dimensional array (of len(Elems) elements,
// or no dimension at all when empty); otherwise the length of every
// dimension. Lower holds the lower bounds per dimension; nil means all 1.
type Array struct {
	Elem  OID
	Elems []Datum
	Dims  []int32
	Lower []int32
}
