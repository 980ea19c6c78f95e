package types

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/akidb/akidb/pgerr"
)

// Dates are days and timestamps microseconds since 2000-01-01, as in
// PostgreSQL; the calendar conversions are PostgreSQL's date2j/j2date
// (proleptic Gregorian, year 0 is 1 BC).

const (
	postgresEpochJDate = 2451545 // date2j(2000, 1, 1)
	unixEpochJDate     = 2440588 // date2j(1970, 1, 1)
	usecsPerDay        = int64(86400000000)
	usecsPerSec        = int64(1000000)
	// Valid ranges (PostgreSQL's DATE_END_JULIAN, TIMESTAMP_END_JULIAN).
	dateEndJulian      = 2147483494 // date2j(5874898, 1, 1)
	timestampEndJulian = 109203528  // date2j(294277, 1, 1)
	maxTZDisp          = 15*3600 + 59*60 + 59
)

func date2j(y, m, d int) int {
	if m > 2 {
		m++
		y += 4800
	} else {
		m += 13
		y += 4799
	}
	century := y / 100
	j := y*365 - 32167
	j += y/4 - century + century/4
	j += 7834*m/256 + d
	return j
}

func j2date(jd int) (year, month, day int) {
	julian := uint32(jd)
	julian += 32044
	quad := julian / 146097
	extra := (julian-quad*146097)*4 + 3
	julian += 60 + quad*3 + extra/146097
	quad = julian / 1461
	julian -= quad * 1461
	y := int(julian * 4 / 1461)
	if y != 0 {
		julian = (julian+305)%365 + 123
	} else {
		julian = (julian+306)%366 + 123
	}
	y += int(quad * 4)
	year = y - 4800
	q := julian * 2141 / 65536
	day = int(julian - 7834*q/256)
	month = int((q+10)%12 + 1)
	return
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

var daysInMonth = [2][13]int{{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}, {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}}

// DateFromYMD returns the day number of a (proleptic Gregorian) date.
func DateFromYMD(y, m, d int) int64 { return int64(date2j(y, m, d) - postgresEpochJDate) }

// DateToYMD returns the calendar date of a day number (year <= 0 is BC).
func DateToYMD(days int64) (y, m, d int) { return j2date(int(days) + postgresEpochJDate) }

func appendYear(buf []byte, y int) []byte {
	if y <= 0 {
		y = -(y - 1)
	}
	if y < 1000 {
		s := strconv.Itoa(y)
		for i := len(s); i < 4; i++ {
			buf = append(buf, '0')
		}
		return append(buf, s...)
	}
	return strconv.AppendInt(buf, int64(y), 10)
}

func append2(buf []byte, v int) []byte {
	return append(buf, byte('0'+v/10), byte('0'+v%10))
}

func appendDate(buf []byte, v int64) []byte {
	switch v {
	case InfinityPos:
		return append(buf, "infinity"...)
	case InfinityNeg:
		return append(buf, "-infinity"...)
	}
	y, m, d := DateToYMD(v)
	buf = appendYear(buf, y)
	buf = append(buf, '-')
	buf = append2(buf, m)
	buf = append(buf, '-')
	buf = append2(buf, d)
	if y <= 0 {
		buf = append(buf, " BC"...)
	}
	return buf
}

// splitTimestamp splits microseconds since 2000 into days and time of day.
func splitTimestamp(v int64) (days, tod int64) {
	days = v / usecsPerDay
	tod = v % usecsPerDay
	if tod < 0 {
		tod += usecsPerDay
		days--
	}
	return
}

func appendTime(buf []byte, tod int64) []byte {
	sec := tod / usecsPerSec
	us := tod % usecsPerSec
	buf = append2(buf, int(sec/3600))
	buf = append(buf, ':')
	buf = append2(buf, int(sec/60%60))
	buf = append(buf, ':')
	buf = append2(buf, int(sec%60))
	if us != 0 {
		var f [7]byte
		f[0] = '.'
		for i := 6; i >= 1; i-- {
			f[i] = byte('0' + us%10)
			us /= 10
		}
		n := 7
		for f[n-1] == '0' {
			n--
		}
		buf = append(buf, f[:n]...)
	}
	return buf
}

func appendTimestampParts(buf []byte, v int64, offset int, withTZ bool) []byte {
	switch v {
	case InfinityPos:
		return append(buf, "infinity"...)
	case InfinityNeg:
		return append(buf, "-infinity"...)
	}
	days, tod := splitTimestamp(v)
	y, m, d := DateToYMD(days)
	buf = appendYear(buf, y)
	buf = append(buf, '-')
	buf = append2(buf, m)
	buf = append(buf, '-')
	buf = append2(buf, d)
	buf = append(buf, ' ')
	buf = appendTime(buf, tod)
	if withTZ {
		buf = appendTZOffset(buf, offset)
	}
	if y <= 0 {
		buf = append(buf, " BC"...)
	}
	return buf
}

// appendTZOffset appends +HH, +HH:MM or +HH:MM:SS for an offset east of UTC.
func appendTZOffset(buf []byte, off int) []byte {
	if off < 0 {
		buf = append(buf, '-')
		off = -off
	} else {
		buf = append(buf, '+')
	}
	buf = append2(buf, off/3600)
	if off%3600 != 0 {
		buf = append(buf, ':')
		buf = append2(buf, off/60%60)
		if off%60 != 0 {
			buf = append(buf, ':')
			buf = append2(buf, off%60)
		}
	}
	return buf
}

func appendTimestamp(buf []byte, v int64) []byte {
	return appendTimestampParts(buf, v, 0, false)
}

func appendTimestampTZ(buf []byte, v int64, loc *time.Location) []byte {
	if v == InfinityPos || v == InfinityNeg {
		return appendTimestampParts(buf, v, 0, false)
	}
	off := tzOffsetAt(v, loc)
	return appendTimestampParts(buf, v+int64(off)*usecsPerSec, off, true)
}

// unixSeconds converts microseconds since 2000 to Unix seconds (floor).
func unixSeconds(v int64) int64 {
	s := v / usecsPerSec
	if v%usecsPerSec < 0 {
		s--
	}
	return s + (postgresEpochJDate-unixEpochJDate)*86400
}

// tzOffsetAt returns loc's UTC offset in seconds at the instant v.
func tzOffsetAt(v int64, loc *time.Location) int {
	if loc == nil || loc == time.UTC {
		return 0
	}
	_, off := time.Unix(unixSeconds(v), 0).In(loc).Zone()
	return off
}

// localToUTCOffset returns the offset to subtract from a local wall-clock
// time (microseconds since 2000, read as if UTC) to get the instant, with
// PostgreSQL's choice in DST gaps and overlaps.
func localToUTCOffset(local int64, loc *time.Location) int {
	if loc == nil || loc == time.UTC {
		return 0
	}
	my := unixSeconds(local)
	prev := time.Unix(my-86400, 0).In(loc)
	_, beforeOff := prev.Zone()
	_, end := prev.ZoneBounds()
	if end.IsZero() {
		return beforeOff
	}
	boundary := end.Unix()
	_, afterOff := end.In(loc).Zone()
	bt := my - int64(beforeOff)
	at := my - int64(afterOff)
	if bt < boundary && at < boundary {
		return beforeOff
	}
	if bt >= boundary && at >= boundary {
		return afterOff
	}
	if bt > at {
		return beforeOff
	}
	return afterOff
}

// TimestampToTime converts a (non-infinite) timestamp to a time.Time in UTC.
func TimestampToTime(v int64) time.Time {
	s := unixSeconds(v)
	us := v - (s-(postgresEpochJDate-unixEpochJDate)*86400)*usecsPerSec
	return time.Unix(s, us*1000).UTC()
}

// TimestampFromTime converts t to microseconds since 2000-01-01 UTC.
func TimestampFromTime(t time.Time) int64 {
	return (t.Unix()-(postgresEpochJDate-unixEpochJDate)*86400)*usecsPerSec + int64(t.Nanosecond()/1000)
}

// roundTimestamp applies a timestamp(p) typmod (round half away from zero).
func roundTimestamp(v int64, prec int) (int64, error) {
	if prec >= 6 || v == InfinityPos || v == InfinityNeg {
		return v, nil
	}
	scale := int64(1)
	for i := prec; i < 6; i++ {
		scale *= 10
	}
	off := scale / 2
	if v >= 0 {
		return (v + off) / scale * scale, nil
	}
	return -((-v + off) / scale * scale), nil
}

var errTimestampRange = pgerr.New(pgerr.DatetimeFieldOverflow, "timestamp out of range")

func castDatetime(d Datum, f, t OID, loc *time.Location) (Datum, error) {
	v := d.I
	inf := v == InfinityPos || v == InfinityNeg
	switch f {
	case DateOID:
		if inf {
			return NewTimestamp(v), nil
		}
		if v >= int64(timestampEndJulian-postgresEpochJDate) || v < int64(-postgresEpochJDate) {
			return Null, pgerr.New(pgerr.DatetimeFieldOverflow, "date out of range for timestamp")
		}
		ts := v * usecsPerDay
		if t == TimestampTZOID {
			ts -= int64(localToUTCOffset(ts, loc)) * usecsPerSec
		}
		return NewTimestamp(ts), nil
	case TimestampOID, TimestampTZOID:
		if inf {
			return Datum{K: KindOf(t), I: v}, nil
		}
		local := v
		if f == TimestampTZOID {
			local += int64(tzOffsetAt(v, loc)) * usecsPerSec
		}
		switch t {
		case DateOID:
			days, _ := splitTimestamp(local)
			return NewDate(days), nil
		case TimestampOID:
			return NewTimestamp(local), nil
		case TimestampTZOID:
			return NewTimestamp(v - int64(localToUTCOffset(v, loc))*usecsPerSec), nil
		}
	}
	return Null, errCannotCast(T{f, -1}, T{t, -1})
}

// ---- input ----

type dtParsed struct {
	y, m, d          int
	haveDate         bool
	hour, min, sec   int
	usec             int64
	haveTime         bool
	bc               bool
	tzOff            int // seconds east of UTC
	haveTZ           bool
	tzLoc            *time.Location
	special          int64 // InfinityPos/InfinityNeg or 0
	isSpecial        bool
	pm, am           bool
	relDays          int // today/tomorrow/yesterday
	isNow, isRelDate bool
}

var monthNames = map[string]int{
	"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
	"may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
	"sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
	"dec": 12, "december": 12,
}

var dayNames = map[string]bool{
	"sun": true, "sunday": true, "mon": true, "monday": true, "tue": true, "tues": true, "tuesday": true,
	"wed": true, "wednesday": true, "thu": true, "thur": true, "thurs": true, "thursday": true,
	"fri": true, "friday": true, "sat": true, "saturday": true,
}

// tzAbbrevs are common time zone abbreviations (seconds east of UTC).
var tzAbbrevs = map[string]int{
	"utc": 0, "gmt": 0, "z": 0, "zulu": 0, "ut": 0,
	"est": -5 * 3600, "edt": -4 * 3600, "cst": -6 * 3600, "cdt": -5 * 3600,
	"mst": -7 * 3600, "mdt": -6 * 3600, "pst": -8 * 3600, "pdt": -7 * 3600,
	"cet": 3600, "cest": 7200, "eet": 7200, "eest": 3 * 3600, "wet": 0, "west": 3600,
	"bst": 3600, "ist": 7200, "jst": 9 * 3600, "msk": 3 * 3600, "akst": -9 * 3600, "akdt": -8 * 3600,
	"hst": -10 * 3600, "aest": 10 * 3600, "aedt": 11 * 3600,
}

type dtErrKind int

const (
	dtOK dtErrKind = iota
	dtBadFormat
	dtFieldOverflow
	dtTZOverflow
)

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// parseDateTime is a reduced version of PostgreSQL's ParseDateTime and
// DecodeDateTime for the formats clients use (ISO 8601, MDY with slashes,
// month names, BC, AM/PM, numeric and named time zones, special words).
func parseDateTime(s string, loc *time.Location) (p dtParsed, kind dtErrKind) {
	str := trimSpace(s)
	if str == "" {
		return p, dtBadFormat
	}
	var plainNums []string // numbers not yet assigned
	i := 0
	n := len(str)
	for i < n {
		c := str[i]
		switch {
		case c == ' ' || c == ',' || c == '\t' || c == '\n':
			i++
		case isDigit(c):
			j := i
			for j < n && (isDigit(str[j]) || str[j] == ':' || str[j] == '.' || str[j] == '-' || str[j] == '/') {
				// '-' after a time means a zone offset
				if str[j] == '-' && strings.IndexByte(str[i:j], ':') >= 0 {
					break
				}
				j++
			}
			// A month name inside a date field: 2024-Jan-02
			if j < n && isAlpha(str[j]) && j > i && (str[j-1] == '-' || str[j-1] == '/') && !p.haveDate {
				k := j
				for k < n && (isAlpha(str[k]) || isDigit(str[k]) || str[k] == '-' || str[k] == '/') {
					k++
				}
				if kd := decodeDateField(&p, str[i:k]); kd != dtOK {
					return p, kd
				}
				i = k
				continue
			}
			f := str[i:j]
			i = j
			if strings.IndexByte(f, ':') >= 0 {
				if kd := decodeTimeField(&p, f); kd != dtOK {
					return p, kd
				}
				continue
			}
			if strings.ContainsAny(f, "-/") || strings.Count(f, ".") >= 2 {
				if p.haveDate {
					return p, dtBadFormat
				}
				if kd := decodeDateField(&p, f); kd != dtOK {
					return p, kd
				}
				// ISO "T" separator
				if i < n && (str[i] == 'T' || str[i] == 't') && i+1 < n && isDigit(str[i+1]) {
					i++
				}
				continue
			}
			// plain number
			if !p.haveDate && strings.IndexByte(f, '.') < 0 && (len(f) == 8 || len(f) == 6) && len(plainNums) == 0 {
				var kd dtErrKind
				if len(f) == 8 {
					kd = setYMD(&p, atoi(f[:4]), atoi(f[4:6]), atoi(f[6:]))
				} else {
					kd = setYMD(&p, adjustYear2(atoi(f[:2])), atoi(f[2:4]), atoi(f[4:]))
				}
				if kd != dtOK {
					return p, kd
				}
				if i < n && (str[i] == 'T' || str[i] == 't') && i+1 < n && isDigit(str[i+1]) {
					i++
				}
				continue
			}
			plainNums = append(plainNums, f)
		case c == '+' || c == '-':
			if c == '-' && !p.haveDate && !p.haveTime && len(plainNums) == 0 && p.m == 0 {
				// -infinity
				w := strings.ToLower(str[i:])
				if w == "-infinity" {
					p.isSpecial, p.special = true, InfinityNeg
					i = n
					continue
				}
				return p, dtBadFormat
			}
			j := i + 1
			for j < n && (isDigit(str[j]) || str[j] == ':') {
				j++
			}
			if j == i+1 {
				if c == '+' && strings.EqualFold(str[i:], "+infinity") {
					p.isSpecial, p.special = true, InfinityPos
					i = n
					continue
				}
				return p, dtBadFormat
			}
			off, kd := parseTZOffset(str[i+1 : j])
			if kd != dtOK {
				return p, kd
			}
			if c == '-' {
				off = -off
			}
			p.tzOff, p.haveTZ = off, true
			i = j
		case isAlpha(c):
			j := i
			for j < n && (isAlpha(str[j]) || str[j] == '/' || str[j] == '_' || (str[j] == '.' && j+1 < n && isAlpha(str[j+1])) || (j > i && str[j-1] == '/' && isDigit(str[j]))) {
				j++
			}
			w := str[i:j]
			i = j
			lw := strings.ToLower(w)
			// "T" between date and time
			if lw == "t" && i < n && isDigit(str[i]) {
				continue
			}
			if kd := decodeWord(&p, w, lw, loc); kd != dtOK {
				return p, kd
			}
		default:
			return p, dtBadFormat
		}
	}
	if p.isSpecial {
		if p.haveDate || p.haveTime || len(plainNums) > 0 {
			return p, dtBadFormat
		}
		return p, dtOK
	}
	// Assign plain numbers: with a month name they are day and year.
	for _, f := range plainNums {
		if strings.IndexByte(f, '.') >= 0 {
			return p, dtBadFormat
		}
		v := atoi(f)
		switch {
		case p.m != 0 && p.d == 0 && len(f) <= 2 && !p.haveDate:
			p.d = v
		case p.m != 0 && p.y == 0 && !p.haveDate:
			if len(f) <= 2 {
				v = adjustYear2(v)
			}
			p.y = v
			if kd := setYMD(&p, p.y, p.m, p.d); kd != dtOK {
				return p, kd
			}
		case p.m != 0 && p.d == 0 && !p.haveDate:
			p.d = v
		default:
			return p, dtBadFormat
		}
	}
	if p.m != 0 && !p.haveDate {
		if p.y == 0 || p.d == 0 {
			return p, dtBadFormat
		}
	}
	if p.isRelDate && p.haveDate {
		return p, dtBadFormat
	}
	if !p.haveDate && !p.isRelDate && !p.isNow {
		return p, dtBadFormat
	}
	if p.bc {
		if p.y <= 0 {
			return p, dtFieldOverflow
		}
		p.y = -(p.y - 1)
	}
	if p.pm || p.am {
		if p.hour < 1 || p.hour > 12 {
			return p, dtFieldOverflow
		}
		if p.pm && p.hour != 12 {
			p.hour += 12
		} else if p.am && p.hour == 12 {
			p.hour = 0
		}
	}
	return p, dtOK
}

func atoi(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
		if v > 1<<40 {
			return 1 << 40
		}
	}
	return v
}

func adjustYear2(y int) int {
	if y < 70 {
		return y + 2000
	}
	if y < 100 {
		return y + 1900
	}
	return y
}

func setYMD(p *dtParsed, y, m, d int) dtErrKind {
	p.y, p.m, p.d, p.haveDate = y, m, d, true
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return dtFieldOverflow
	}
	return dtOK
}

func decodeDateField(p *dtParsed, f string) dtErrKind {
	parts := strings.FieldsFunc(f, func(r rune) bool { return r == '-' || r == '/' || r == '.' })
	if len(parts) != 3 {
		return dtBadFormat
	}
	for i, pt := range parts {
		if m, ok := monthNames[strings.ToLower(pt)]; ok {
			// 2024-Jan-02 or 02-Jan-2024
			o := [2]string{}
			k := 0
			for j, q := range parts {
				if j != i {
					o[k] = q
					k++
				}
			}
			if !allDigits(o[0]) || !allDigits(o[1]) {
				return dtBadFormat
			}
			if len(o[0]) > 2 {
				return setYMD(p, atoi(o[0]), m, atoi(o[1]))
			}
			y := atoi(o[1])
			if len(o[1]) <= 2 {
				y = adjustYear2(y)
			}
			return setYMD(p, y, m, atoi(o[0]))
		}
		if !allDigits(pt) {
			return dtBadFormat
		}
	}
	if len(parts[0]) > 2 {
		return setYMD(p, atoi(parts[0]), atoi(parts[1]), atoi(parts[2]))
	}
	// MDY
	y := atoi(parts[2])
	if len(parts[2]) <= 2 {
		y = adjustYear2(y)
	}
	return setYMD(p, y, atoi(parts[0]), atoi(parts[1]))
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func decodeTimeField(p *dtParsed, f string) dtErrKind {
	if p.haveTime {
		return dtBadFormat
	}
	p.haveTime = true
	frac := ""
	if k := strings.IndexByte(f, '.'); k >= 0 {
		frac = f[k+1:]
		f = f[:k]
		if !allDigits(frac) && frac != "" {
			return dtBadFormat
		}
	}
	parts := strings.Split(f, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return dtBadFormat
	}
	for _, pt := range parts {
		if !allDigits(pt) {
			return dtBadFormat
		}
	}
	p.hour, p.min = atoi(parts[0]), atoi(parts[1])
	if len(parts) == 3 {
		p.sec = atoi(parts[2])
	} else if frac != "" {
		return dtBadFormat
	}
	if frac != "" {
		fv, _ := strconv.ParseFloat("0."+frac, 64)
		p.usec = int64(math.RoundToEven(fv * 1e6))
	}
	if p.hour < 0 || p.min < 0 || p.min > 59 || p.sec < 0 || p.sec > 60 || p.hour > 24 ||
		(p.hour == 24 && (p.min > 0 || p.sec > 0 || p.usec > 0)) {
		return dtFieldOverflow
	}
	return dtOK
}

func parseTZOffset(f string) (int, dtErrKind) {
	var h, m, sec int
	if strings.IndexByte(f, ':') >= 0 {
		parts := strings.Split(f, ":")
		if len(parts) > 3 {
			return 0, dtBadFormat
		}
		for _, pt := range parts {
			if !allDigits(pt) {
				return 0, dtBadFormat
			}
		}
		h = atoi(parts[0])
		m = atoi(parts[1])
		if len(parts) == 3 {
			sec = atoi(parts[2])
		}
	} else {
		switch len(f) {
		case 1, 2:
			h = atoi(f)
		case 3, 4:
			h, m = atoi(f[:len(f)-2]), atoi(f[len(f)-2:])
		case 5, 6:
			h, m, sec = atoi(f[:len(f)-4]), atoi(f[len(f)-4:len(f)-2]), atoi(f[len(f)-2:])
		default:
			return 0, dtBadFormat
		}
	}
	if m > 59 || sec > 59 {
		return 0, dtFieldOverflow
	}
	off := h*3600 + m*60 + sec
	if off > maxTZDisp {
		return 0, dtTZOverflow
	}
	return off, dtOK
}

func decodeWord(p *dtParsed, w, lw string, loc *time.Location) dtErrKind {
	if m, ok := monthNames[lw]; ok {
		if p.m != 0 || p.haveDate {
			return dtBadFormat
		}
		p.m = m
		return dtOK
	}
	if dayNames[lw] {
		return dtOK
	}
	switch lw {
	case "bc":
		p.bc = true
		return dtOK
	case "ad":
		return dtOK
	case "am", "a.m.":
		p.am = true
		return dtOK
	case "pm", "p.m.":
		p.pm = true
		return dtOK
	case "infinity":
		p.isSpecial, p.special = true, InfinityPos
		return dtOK
	case "epoch":
		p.y, p.m, p.d, p.haveDate = 1970, 1, 1, true
		return dtOK
	case "now":
		p.isNow = true
		return dtOK
	case "today":
		p.isRelDate = true
		return dtOK
	case "tomorrow":
		p.isRelDate, p.relDays = true, 1
		return dtOK
	case "yesterday":
		p.isRelDate, p.relDays = true, -1
		return dtOK
	case "allballs":
		p.haveTime = true
		return dtOK
	}
	if off, ok := tzAbbrevs[lw]; ok {
		if p.haveTZ {
			return dtBadFormat
		}
		p.tzOff, p.haveTZ = off, true
		return dtOK
	}
	if strings.IndexByte(w, '/') >= 0 {
		if l, err := time.LoadLocation(w); err == nil {
			p.tzLoc, p.haveTZ = l, true
			return dtOK
		}
	}
	return dtBadFormat
}

func dtError(kind dtErrKind, typ, s string) error {
	switch kind {
	case dtFieldOverflow:
		return pgerr.New(pgerr.DatetimeFieldOverflow, "date/time field value out of range: \"%s\"", s)
	case dtTZOverflow:
		return pgerr.New(pgerr.InvalidTimeZoneDisplacement, "time zone displacement out of range: \"%s\"", s)
	}
	return pgerr.New(pgerr.InvalidDatetimeFormat, "invalid input syntax for type %s: \"%s\"", typ, s)
}

// resolveDate validates p's calendar date and returns its julian day.
func resolveDate(p *dtParsed, loc *time.Location) (int, dtErrKind) {
	if p.isRelDate || p.isNow && !p.haveDate {
		now := time.Now().In(loc)
		y, m, d := now.Date()
		jd := date2j(y, int(m), d) + p.relDays
		if p.isNow {
			p.hour, p.min, p.sec = now.Hour(), now.Minute(), now.Second()
			p.usec = int64(now.Nanosecond() / 1000)
			p.haveTime = true
		}
		return jd, dtOK
	}
	leap := 0
	if isLeap(p.y) {
		leap = 1
	}
	if p.d > daysInMonth[leap][p.m] {
		return 0, dtFieldOverflow
	}
	return date2j(p.y, p.m, p.d), dtOK
}

func parseDate(s string, loc *time.Location) (int64, error) {
	if loc == nil {
		loc = time.UTC
	}
	p, kind := parseDateTime(s, loc)
	if kind != dtOK {
		return 0, dtError(kind, "date", s)
	}
	if p.isSpecial {
		return p.special, nil
	}
	jd, kind := resolveDate(&p, loc)
	if kind != dtOK {
		return 0, dtError(kind, "date", s)
	}
	if jd < 0 || jd >= dateEndJulian {
		return 0, pgerr.New(pgerr.DatetimeFieldOverflow, "date out of range: \"%s\"", s)
	}
	return int64(jd - postgresEpochJDate), nil
}

func parseTimestamp(s string, tz bool, loc *time.Location) (int64, error) {
	if loc == nil {
		loc = time.UTC
	}
	typ := "timestamp"
	if tz {
		typ = "timestamp with time zone"
	}
	p, kind := parseDateTime(s, loc)
	if kind != dtOK {
		return 0, dtError(kind, typ, s)
	}
	if p.isSpecial {
		return p.special, nil
	}
	if p.isNow && !p.haveDate {
		return TimestampFromTime(time.Now()), nil
	}
	jd, kind := resolveDate(&p, loc)
	if kind != dtOK {
		return 0, dtError(kind, typ, s)
	}
	rangeErr := pgerr.New(pgerr.DatetimeFieldOverflow, "timestamp out of range: \"%s\"", s)
	if jd < 0 || jd >= timestampEndJulian+1 {
		return 0, rangeErr
	}
	v := int64(jd-postgresEpochJDate)*usecsPerDay +
		(int64(p.hour)*3600+int64(p.min)*60+int64(p.sec))*usecsPerSec + p.usec
	if tz {
		switch {
		case p.tzLoc != nil:
			v -= int64(localToUTCOffset(v, p.tzLoc)) * usecsPerSec
		case p.haveTZ:
			v -= int64(p.tzOff) * usecsPerSec
		default:
			v -= int64(localToUTCOffset(v, loc)) * usecsPerSec
		}
	}
	minTS := int64(-postgresEpochJDate) * usecsPerDay
	maxTS := int64(timestampEndJulian-postgresEpochJDate) * usecsPerDay
	if v < minTS || v >= maxTS {
		return 0, rangeErr
	}
	return v, nil
}
