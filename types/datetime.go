package types

import "time"

func parseDate(s string, loc *time.Location) (int64, error) { return 0, errSyntax("date", s) }
func parseTimestamp(s string, tz bool, loc *time.Location) (int64, error) {
	return 0, errSyntax("timestamp", s)
}
func roundTimestamp(v int64, prec int) (int64, error)                   { return v, nil }
func appendDate(buf []byte, v int64) []byte                             { return buf }
func appendTimestamp(buf []byte, v int64) []byte                        { return buf }
func appendTimestampTZ(buf []byte, v int64, loc *time.Location) []byte  { return buf }
func castDatetime(d Datum, f, t OID, loc *time.Location) (Datum, error) { return Null, nil }
