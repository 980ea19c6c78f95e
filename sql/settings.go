package sql

import (
	"sort"
	"strconv"
	"strings"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
)

// setting describes one configuration parameter a session can SET/SHOW.
type setting struct {
	name   string // as SHOW ALL and ParameterStatus spell it
	def    string
	report bool // GUC_REPORT: a change is sent as ParameterStatus
	check  func(name, v string) (string, error)
	desc   string
}

var settingList = []setting{
	{name: "application_name", def: "", report: true, desc: "Sets the application name to be reported in statistics and logs."},
	{name: "client_encoding", def: "UTF8", report: true, check: checkEncoding, desc: "Sets the client's character set encoding."},
	{name: "DateStyle", def: "ISO, MDY", report: true, check: checkDateStyle, desc: "Sets the display format for date and time values."},
	{name: "default_transaction_isolation", def: "read committed", desc: "Sets the transaction isolation level of each new transaction."},
	{name: "extra_float_digits", def: "1", check: checkInt, desc: "Sets the number of digits displayed for floating-point values."},
	{name: "integer_datetimes", def: "on", report: true, desc: "Shows whether datetimes are integer based."},
	{name: "IntervalStyle", def: "postgres", report: true, desc: "Sets the display format for interval values."},
	{name: "is_superuser", def: "on", report: true, desc: "Shows whether the current user is a superuser."},
	{name: "lc_messages", def: "C", desc: "Sets the language in which messages are displayed."},
	{name: "max_identifier_length", def: "63", desc: "Shows the maximum identifier length."},
	{name: "search_path", def: `"$user", public`, desc: "Sets the schema search order for names that are not schema-qualified."},
	{name: "server_encoding", def: "UTF8", report: true, desc: "Shows the server (database) character set encoding."},
	{name: "server_version", def: ServerVersion, report: true, desc: "Shows the server version."},
	{name: "server_version_num", def: "150000", desc: "Shows the server version as an integer."},
	{name: "session_authorization", def: "", report: true, desc: "Sets the session user name."},
	{name: "standard_conforming_strings", def: "on", report: true, desc: "Causes '...' strings to treat backslashes literally."},
	{name: "statement_timeout", def: "0", check: checkDuration, desc: "Sets the maximum allowed duration of any statement."},
	{name: "TimeZone", def: "UTC", report: true, check: checkTimeZone, desc: "Sets the time zone for displaying and interpreting time stamps."},
	{name: "transaction_isolation", def: "read committed", desc: "Sets the current transaction's isolation level."},
	{name: "transaction_read_only", def: "off", desc: "Sets the current transaction's read-only status."},
	{name: "idle_in_transaction_session_timeout", def: "0", check: checkDuration, desc: "Sets the maximum allowed idle time between queries, when in a transaction."},
	{name: "lock_timeout", def: "0", check: checkDuration, desc: "Sets the maximum allowed duration of any wait for a lock."},
	{name: "row_security", def: "on", desc: "Enable row security."},
	{name: "synchronous_commit", def: "on", desc: "Sets the current transaction's synchronization level."},
	{name: "client_min_messages", def: "notice", desc: "Sets the message levels that are sent to the client."},
	{name: "hnsw.ef_search", def: "40", check: intRange(1, 1000), desc: "Sets the size of the dynamic candidate list for search."},
	{name: "hnsw.iterative_scan", def: "strict_order", check: oneOf("off", "strict_order", "relaxed_order"), desc: "Sets the mode for iterative scans."},
	{name: "hnsw.max_scan_tuples", def: "20000", check: intRange(1, 1<<31-1), desc: "Sets the max number of tuples to visit for iterative scans."},
}

// intRange checks an integer setting against PostgreSQL-style bounds.
func intRange(lo, hi int) func(name, v string) (string, error) {
	return func(name, v string) (string, error) {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return "", pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter %q: %q", name, v)
		}
		if n < lo || n > hi {
			return "", pgerr.New(pgerr.InvalidParameterValue, "%d is outside the valid range for parameter %q (%d .. %d)", n, name, lo, hi)
		}
		return strconv.Itoa(n), nil
	}
}

// oneOf checks an enum setting.
func oneOf(values ...string) func(name, v string) (string, error) {
	return func(name, v string) (string, error) {
		for _, ok := range values {
			if strings.EqualFold(v, ok) {
				return ok, nil
			}
		}
		return "", pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter %q: %q", name, v).
			WithHint("Available values: %s.", strings.Join(values, ", "))
	}
}

var settingsByKey = func() map[string]*setting {
	m := make(map[string]*setting, len(settingList))
	for i := range settingList {
		m[strings.ToLower(settingList[i].name)] = &settingList[i]
	}
	return m
}()

func checkEncoding(name, v string) (string, error) {
	switch strings.ToUpper(strings.ReplaceAll(v, "-", "")) {
	case "UTF8", "UNICODE":
		return "UTF8", nil
	}
	return "", pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter \"client_encoding\": %q", v).WithDetail("Only UTF8 is supported.")
}

func checkDateStyle(name, v string) (string, error) {
	u := strings.ToUpper(v)
	if strings.Contains(u, "ISO") || u == "MDY" {
		return "ISO, MDY", nil
	}
	return "", pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter \"DateStyle\": %q", v).WithDetail("Only ISO output is supported.")
}

func checkInt(name, v string) (string, error) {
	if _, err := strconv.Atoi(strings.TrimSpace(v)); err != nil {
		return "", pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter %q: %q", name, v)
	}
	return strings.TrimSpace(v), nil
}

// checkDuration accepts an integer of milliseconds or one with a unit
// (ms, s, min, h, d), as PostgreSQL's time settings do.
func checkDuration(name, v string) (string, error) {
	t := strings.TrimSpace(v)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || (i == 0 && t[i] == '-')) {
		i++
	}
	unit := strings.TrimSpace(t[i:])
	if _, err := strconv.Atoi(t[:i]); err != nil || !validUnit(unit) {
		return "", pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter %q: %q", name, v).WithHint(`Valid units for this parameter are "us", "ms", "s", "min", "h", and "d".`)
	}
	n, _ := strconv.ParseInt(t[:i], 10, 64)
	ms := n * map[string]int64{"": 1, "ms": 1, "s": 1000, "min": 60000, "h": 3600000, "d": 86400000}[unit]
	if unit == "us" {
		ms = n / 1000
	}
	if ms == 0 {
		return "0", nil
	}
	for _, u := range []struct {
		name string
		ms   int64
	}{{"d", 86400000}, {"h", 3600000}, {"min", 60000}, {"s", 1000}} {
		if ms%u.ms == 0 {
			return strconv.FormatInt(ms/u.ms, 10) + u.name, nil
		}
	}
	return strconv.FormatInt(ms, 10) + "ms", nil
}

func validUnit(u string) bool {
	switch u {
	case "", "us", "ms", "s", "min", "h", "d":
		return true
	}
	return false
}

func checkTimeZone(name, v string) (string, error) {
	if _, err := loadLocation(v); err != nil {
		return "", pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter \"TimeZone\": %q", v)
	}
	return v, nil
}

func loadLocation(v string) (*time.Location, error) {
	switch strings.ToUpper(v) {
	case "UTC", "GMT", "Z", "ZULU", "ETC/UTC":
		return time.UTC, nil
	}
	return time.LoadLocation(v)
}

// settingValue renders SET's argument list as PostgreSQL stores it.
func settingValue(args []*pg_query.Node) (string, error) {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		c := a.GetAConst()
		if c == nil {
			if tc := a.GetTypeCast(); tc != nil && tc.Arg.GetAConst() != nil {
				c = tc.Arg.GetAConst()
			} else {
				return "", pgerr.New(pgerr.SyntaxError, "SET value must be a constant")
			}
		}
		switch v := c.Val.(type) {
		case *pg_query.A_Const_Sval:
			parts = append(parts, v.Sval.Sval)
		case *pg_query.A_Const_Ival:
			parts = append(parts, strconv.Itoa(int(v.Ival.Ival)))
		case *pg_query.A_Const_Fval:
			parts = append(parts, v.Fval.Fval)
		case *pg_query.A_Const_Boolval:
			parts = append(parts, map[bool]string{true: "on", false: "off"}[v.Boolval.Boolval])
		}
	}
	return strings.Join(parts, ", "), nil
}

// set changes a setting for the session.
func (s *Session) set(name, value string) error {
	key := strings.ToLower(name)
	st := settingsByKey[key]
	if st == nil {
		if !strings.Contains(key, ".") {
			return pgerr.New(pgerr.UndefinedObject, "unrecognized configuration parameter %q", name)
		}
		// pgvector reserves its prefixes (MarkGUCPrefixReserved).
		if prefix, _, _ := strings.Cut(key, "."); prefix == "hnsw" || prefix == "ivfflat" {
			return pgerr.New(pgerr.InvalidName, "invalid configuration parameter name %q", name).
				WithDetail("\"%s\" is a reserved prefix.", prefix)
		}
		s.settings[key] = value
		return nil
	}
	switch key {
	case "server_version", "server_version_num", "server_encoding", "integer_datetimes", "max_identifier_length", "is_superuser":
		return pgerr.New(pgerr.CantChangeRuntimeParam, "parameter %q cannot be changed", st.name)
	}
	if st.check != nil {
		v, err := st.check(st.name, value)
		if err != nil {
			return err
		}
		value = v
	}
	if key == "timezone" {
		loc, _ := loadLocation(value)
		s.loc = loc
	}
	s.settings[key] = value
	if st.report && s.params.ParameterStatus != nil {
		s.params.ParameterStatus(st.name, value)
	}
	return nil
}

func (s *Session) reset(name string) error {
	key := strings.ToLower(name)
	if st := settingsByKey[key]; st != nil {
		def := st.def
		if key == "application_name" {
			def = s.params.ApplicationName
		}
		if key == "session_authorization" {
			def = s.params.User
		}
		return s.set(st.name, def)
	}
	if strings.Contains(key, ".") {
		delete(s.settings, key)
		return nil
	}
	return pgerr.New(pgerr.UndefinedObject, "unrecognized configuration parameter %q", name)
}

// show returns a setting's current value.
func (s *Session) show(name string) (string, error) {
	key := strings.ToLower(name)
	if v, ok := s.settings[key]; ok {
		return v, nil
	}
	if st := settingsByKey[key]; st != nil {
		return st.def, nil
	}
	return "", pgerr.New(pgerr.UndefinedObject, "unrecognized configuration parameter %q", name)
}

// showAll lists every setting (SHOW ALL).
func (s *Session) showAll() []types.Row {
	var rows []types.Row
	names := make([]string, 0, len(settingList))
	for _, st := range settingList {
		names = append(names, st.name)
	}
	sort.Slice(names, func(i, j int) bool { return strings.ToLower(names[i]) < strings.ToLower(names[j]) })
	for _, n := range names {
		v, _ := s.show(n)
		rows = append(rows, types.Row{types.NewString(n), types.NewString(v), types.NewString(settingsByKey[strings.ToLower(n)].desc)})
	}
	return rows
}
