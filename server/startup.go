package server

import (
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/sql"
)

// ServerVersion is reported as server_version: a PostgreSQL 15 version
// string (clients parse its leading "15.0") that names AkiDB.
const ServerVersion = "15.0 (AkiDB 0.1)"

// maxNegotiations bounds SSLRequest/GSSENCRequest round trips before the
// real startup packet.
const maxNegotiations = 4

// startup runs the startup phase: encryption requests are refused with
// 'N', a CancelRequest is served and the connection closed, and a
// StartupMessage opens a session. It returns true when the connection is
// ready for queries.
func (c *conn) startup() bool {
	for i := 0; ; i++ {
		body, err := c.rd.ReadStartup()
		c.setBusy()
		if err != nil {
			c.readFailed(err)
			return false
		}
		msg, err := decodeStartup(body)
		if err != nil {
			c.sendFatal(err)
			return false
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
			if i >= maxNegotiations {
				c.sendFatal(protocolErrorf("too many encryption requests"))
				return false
			}
			// No TLS or GSSAPI encryption (yet): the client goes on in
			// plain text or gives up.
			c.wbuf = append(c.wbuf, 'N')
			if c.flush() != nil {
				return false
			}
			if !c.setIdle() {
				return false
			}
		case *pgproto3.CancelRequest:
			c.srv.cancelRequest(m)
			return false
		case *pgproto3.StartupMessage:
			return c.openSession(m)
		}
	}
}

// openSession authenticates (trust, for now), starts the SQL session and
// reports the session's parameters.
func (c *conn) openSession(m *pgproto3.StartupMessage) bool {
	if minor := m.ProtocolVersion & 0xffff; minor > 0 || hasProtocolOptions(m.Parameters) {
		// Protocol 3.x for x > 0, or _pq_ options: offer 3.0 and none of
		// the options (https://www.postgresql.org/docs/current/protocol-message-formats.html).
		var unknown []string
		for k := range m.Parameters {
			if strings.HasPrefix(k, "_pq_.") {
				unknown = append(unknown, k)
				delete(m.Parameters, k)
			}
		}
		c.send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0, UnrecognizedOptions: unknown})
	}
	params := m.Parameters
	p := sql.SessionParams{
		User:            params["user"],
		Database:        params["database"],
		ApplicationName: params["application_name"],
		Options:         map[string]string{},
	}
	if p.User == "" {
		c.sendFatal(pgerr.New(pgerr.InvalidAuthorizationSpec, "no PostgreSQL user name specified in startup packet"))
		return false
	}
	if p.Database == "" {
		p.Database = p.User
	}
	for k, v := range params {
		switch k {
		case "user", "database", "application_name":
		default:
			p.Options[k] = v
		}
	}
	// "-c name=value" and "--name=value" in options are settings too;
	// explicit startup parameters win over them, as in PostgreSQL.
	for k, v := range splitOptions(params["options"]) {
		if _, ok := p.Options[k]; !ok && k != "user" && k != "database" && k != "application_name" {
			p.Options[k] = v
		}
	}

	// Settings the session reports while it starts are held back and sent
	// with the others after AuthenticationOk.
	status := map[string]string{}
	starting := true
	p.ParameterStatus = func(name, value string) {
		if starting {
			status[name] = value
			return
		}
		c.send(&pgproto3.ParameterStatus{Name: name, Value: value})
	}
	var notices []*pgerr.Error
	p.Notice = func(e *pgerr.Error) {
		if starting {
			notices = append(notices, e)
			return
		}
		// Sent at once, so a client waiting on a long statement (a
		// restore of a COLD collection) sees its progress.
		c.send(noticeResponse(e))
		c.flush()
	}

	sess, err := c.srv.eng.NewSession(c.ctx, p)
	if err != nil {
		c.sendFatal(err)
		return false
	}
	c.sess = sess
	c.send(&pgproto3.AuthenticationOk{})
	for _, kv := range c.initialStatus(p, status) {
		c.send(&pgproto3.ParameterStatus{Name: kv[0], Value: kv[1]})
	}
	c.send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: c.secret[:]})
	starting = false
	for _, e := range notices {
		c.send(noticeResponse(e))
	}
	c.log.Debug("session started", "user", p.User, "database", p.Database, "application_name", p.ApplicationName)
	c.readyForQuery()
	return c.writeErr == nil
}

// initialStatus lists the ParameterStatus messages of a new session, in
// the order PostgreSQL 15 sends them, with the values the session reported
// while starting taking precedence.
func (c *conn) initialStatus(p sql.SessionParams, reported map[string]string) [][2]string {
	tz := "UTC"
	if loc := c.sess.Location(); loc != nil && loc.String() != "Local" {
		tz = loc.String()
	}
	list := [][2]string{
		{"application_name", p.ApplicationName},
		{"client_encoding", "UTF8"},
		{"DateStyle", "ISO, MDY"},
		{"default_transaction_read_only", "off"},
		{"in_hot_standby", "off"},
		{"integer_datetimes", "on"},
		{"IntervalStyle", "postgres"},
		{"is_superuser", "on"},
		{"server_encoding", "UTF8"},
		{"server_version", ServerVersion},
		{"session_authorization", p.User},
		{"standard_conforming_strings", "on"},
		{"TimeZone", tz},
	}
	seen := map[string]bool{}
	for i, kv := range list {
		if v, ok := reported[kv[0]]; ok {
			list[i][1] = v
		}
		seen[kv[0]] = true
	}
	for k, v := range reported {
		if !seen[k] {
			list = append(list, [2]string{k, v})
		}
	}
	return list
}

func hasProtocolOptions(params map[string]string) bool {
	for k := range params {
		if strings.HasPrefix(k, "_pq_.") {
			return true
		}
	}
	return false
}

// splitOptions reads the settings in a startup "options" string:
// "-c name=value" and "--name=value" words, split at unescaped spaces with
// backslash escaping the next character, as PostgreSQL's pg_split_opts.
// Dashes in names become underscores.
func splitOptions(s string) map[string]string {
	var words []string
	var cur strings.Builder
	inWord, esc := false, false
	for _, r := range s {
		switch {
		case esc:
			cur.WriteRune(r)
			esc = false
		case r == '\\':
			esc, inWord = true, true
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	out := map[string]string{}
	set := func(kv string) {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return
		}
		out[strings.ReplaceAll(name, "-", "_")] = value
	}
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "-c" && i+1 < len(words):
			i++
			set(words[i])
		case strings.HasPrefix(w, "-c") && len(w) > 2:
			set(w[2:])
		case strings.HasPrefix(w, "--"):
			set(w[2:])
		}
	}
	return out
}
