package server

import (
	"time"

	"github.com/akidb/akidb/types"
)

// Value formats. The server converts between wire bytes and Datums only
// through these four functions, thin wrappers over the types package's
// codecs, so that the wire layer has one place that knows about them.

// parseText reads a parameter in text format; a timestamptz without a zone
// is in the session's TimeZone.
func parseText(t types.T, s string, loc *time.Location) (types.Datum, error) {
	return types.ParseTextLoc(t, s, loc)
}

// decodeBinary reads a parameter in binary format.
func decodeBinary(t types.T, b []byte) (types.Datum, error) { return types.DecodeBinary(t, b) }

// appendText appends the non-NULL d in text format; timestamptz in loc.
func appendText(buf []byte, d types.Datum, t types.T, loc *time.Location) []byte {
	return types.AppendText(buf, d, t, loc)
}

// appendBinary appends the non-NULL d in binary format.
func appendBinary(buf []byte, d types.Datum, t types.T) ([]byte, error) {
	return types.AppendBinary(buf, d, t)
}
