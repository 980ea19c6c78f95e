package storage

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/akidb/akidb/types"
	"github.com/cockroachdb/apd/v3"
)

// pgEpoch is 2000-01-01 00:00 UTC, the origin of dates and timestamps.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// formatDatum renders d roughly as PostgreSQL's text output does, for the
// Detail of constraint errors.
func formatDatum(d types.Datum) string {
	switch d.K {
	case types.KNull:
		return "null"
	case types.KUUID:
		return types.FormatText(d, types.T{OID: types.UUIDOID, Mod: -1}, nil)
	case types.KBool:
		if d.I != 0 {
			return "t"
		}
		return "f"
	case types.KInt:
		return strconv.FormatInt(d.I, 10)
	case types.KFloat:
		switch {
		case math.IsNaN(d.F):
			return "NaN"
		case math.IsInf(d.F, 1):
			return "Infinity"
		case math.IsInf(d.F, -1):
			return "-Infinity"
		}
		return strconv.FormatFloat(d.F, 'g', -1, 64)
	case types.KNumeric:
		dec, _ := d.P.(*apd.Decimal)
		if dec == nil {
			return "?"
		}
		switch dec.Form {
		case apd.NaN, apd.NaNSignaling:
			return "NaN"
		case apd.Infinite:
			if dec.Negative {
				return "-Infinity"
			}
			return "Infinity"
		}
		return dec.Text('f')
	case types.KString, types.KJSON:
		return d.S
	case types.KBytes:
		return `\x` + hex.EncodeToString([]byte(d.S))
	case types.KDate:
		switch d.I {
		case types.InfinityPos:
			return "infinity"
		case types.InfinityNeg:
			return "-infinity"
		}
		return formatYMD(pgEpoch.AddDate(0, 0, int(d.I)))
	case types.KTimestamp:
		switch d.I {
		case types.InfinityPos:
			return "infinity"
		case types.InfinityNeg:
			return "-infinity"
		}
		t := pgEpoch.Add(time.Duration(d.I%86_400_000_000)*time.Microsecond).AddDate(0, 0, int(d.I/86_400_000_000))
		s := formatYMD(t) + t.Format(" 15:04:05")
		if us := t.Nanosecond() / 1000; us != 0 {
			frac := fmt.Sprintf(".%06d", us)
			for frac[len(frac)-1] == '0' {
				frac = frac[:len(frac)-1]
			}
			s += frac
		}
		return s
	}
	return fmt.Sprintf("<kind %d>", d.K)
}

// formatYMD prints a date as PostgreSQL does, with " BC" for years <= 0.
func formatYMD(t time.Time) string {
	y := t.Year()
	if y <= 0 {
		return fmt.Sprintf("%04d-%02d-%02d BC", 1-y, t.Month(), t.Day())
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, t.Month(), t.Day())
}
