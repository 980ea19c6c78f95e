package types

import "github.com/akidb/akidb/pgerr"

var errDateRange = pgerr.New(pgerr.DatetimeFieldOverflow, "date out of range")

// DatePlusDays is date + integer (date_pli); infinite dates stay infinite.
func DatePlusDays(date, days int64) (int64, error) {
	if date == InfinityPos || date == InfinityNeg {
		return date, nil
	}
	r := date + days
	if r < -postgresEpochJDate || r >= dateEndJulian-postgresEpochJDate {
		return 0, errDateRange
	}
	return r, nil
}

func registerDatetimeOps() {
	addOp("-", DateOID, DateOID, Int4OID, func(a, b Datum) (Datum, error) {
		if a.I == InfinityPos || a.I == InfinityNeg || b.I == InfinityPos || b.I == InfinityNeg {
			return Null, pgerr.New(pgerr.DatetimeFieldOverflow, "cannot subtract infinite dates")
		}
		return NewInt(a.I - b.I), nil
	})
	addOp("+", DateOID, Int4OID, DateOID, func(a, b Datum) (Datum, error) {
		v, err := DatePlusDays(a.I, b.I)
		return NewDate(v), err
	})
	addOp("+", Int4OID, DateOID, DateOID, func(a, b Datum) (Datum, error) {
		v, err := DatePlusDays(b.I, a.I)
		return NewDate(v), err
	})
	addOp("-", DateOID, Int4OID, DateOID, func(a, b Datum) (Datum, error) {
		v, err := DatePlusDays(a.I, -b.I)
		return NewDate(v), err
	})
	// date vs timestamp comparisons (date_lt_timestamp etc.): the date is
	// midnight of that day. Comparisons involving timestamptz depend on the
	// session time zone and are left to the binder (cast, then compare).
	dateTS := func(d int64) int64 {
		if d == InfinityPos || d == InfinityNeg {
			return d
		}
		return d * usecsPerDay
	}
	addCmpOps(DateOID, TimestampOID, func(a, b Datum) int { return cmpInt(dateTS(a.I), b.I) })
	addCmpOps(TimestampOID, DateOID, func(a, b Datum) int { return cmpInt(a.I, dateTS(b.I)) })
}
