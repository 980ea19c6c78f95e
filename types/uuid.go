package types

import (
	"crypto/rand"

	"github.com/akidb/akidb/pgerr"
)

// parseUUID is uuid_in: 32 hex digits (either case), optionally with a
// hyphen after any group of four, optionally in braces; nothing else, not
// even white space.
func parseUUID(s string) (Datum, error) {
	bad := func() error { return errSyntax("uuid", s) }
	p := 0
	braces := false
	if len(s) > 0 && s[0] == '{' {
		braces = true
		p++
	}
	var u [16]byte
	for i := 0; i < 16; i++ {
		if p+2 > len(s) {
			return Null, bad()
		}
		hi, ok1 := unhex(s[p])
		lo, ok2 := unhex(s[p+1])
		if !ok1 || !ok2 {
			return Null, bad()
		}
		u[i] = hi<<4 | lo
		p += 2
		if i%2 == 1 && i < 15 && p < len(s) && s[p] == '-' {
			p++
		}
	}
	if braces {
		if p >= len(s) || s[p] != '}' {
			return Null, bad()
		}
		p++
	}
	if p != len(s) {
		return Null, bad()
	}
	return NewUUID(u), nil
}

// appendUUIDText is uuid_out: lower-case 8-4-4-4-12.
func appendUUIDText(buf []byte, raw string) []byte {
	for i := 0; i < len(raw); i++ {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			buf = append(buf, '-')
		}
		buf = append(buf, hexDigits[raw[i]>>4], hexDigits[raw[i]&15])
	}
	return buf
}

// NewRandomUUID returns a version 4 (random) UUID, as gen_random_uuid().
func NewRandomUUID() (Datum, error) {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		return Null, pgerr.New(pgerr.InternalError, "could not generate random values")
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return NewUUID(u), nil
}

func registerUUIDOps() {
	addCmpOps(UUIDOID, UUIDOID, Compare)
	f := addFunc("gen_random_uuid", []OID{}, UUIDOID, func([]Datum) (Datum, error) { return NewRandomUUID() })
	f.Strict = false
	f.Volatile = true
}
