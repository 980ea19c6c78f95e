package sql

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/akidb/akidb/executor"
	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/storage"
	"github.com/akidb/akidb/tiering"
	"github.com/akidb/akidb/types"
)

// This file connects statements to the tiering layer: every statement that
// reads or writes a collection records an access (and waits for a COLD
// collection to come back), and AkiDB's tier and snapshot statements run
// here.

// acquire records an access to each collection the statement uses and
// makes their data local. Until the statement ends (or, inside a
// transaction, until the transaction ends) none of them is moved to COLD.
func (p *Portal) acquire(ctx context.Context) error {
	s := p.s
	tiers := s.eng.opts.Tiers
	if tiers == nil || len(p.plan.colls) == 0 || p.release != nil {
		return nil
	}
	var releases []func()
	for _, id := range p.plan.colls {
		if s.txn != nil && s.held[id] != nil {
			tiers.Touch(id) // held since an earlier statement of the transaction
			continue
		}
		rel, err := tiers.Access(ctx, id, s.progress)
		if err != nil {
			for _, r := range releases {
				r()
			}
			return err
		}
		if s.txn != nil {
			if s.held == nil {
				s.held = make(map[uint32]func())
			}
			s.held[id] = rel
			continue
		}
		releases = append(releases, rel)
	}
	p.release = func() {
		for _, r := range releases {
			r()
		}
	}
	return nil
}

// releaseColls ends the statement's hold on its collections.
func (p *Portal) releaseColls() {
	if p.release != nil {
		p.release()
		p.release = nil
	}
}

// releaseHeld ends the transaction's hold on its collections.
func (s *Session) releaseHeld() {
	for id, rel := range s.held {
		rel()
		delete(s.held, id)
	}
}

// progress sends a long operation's progress to the client as a NOTICE.
func (s *Session) progress(msg string) {
	s.notice(pgerr.New(pgerr.SuccessfulCompletion, "%s", msg))
}

// noteCollection remembers that the statement being planned uses td.
func (b *binder) noteCollection(td *storage.TableDesc) {
	if !td.Collection {
		return
	}
	for _, id := range b.colls {
		if id == td.ID {
			return
		}
	}
	b.colls = append(b.colls, td.ID)
}

// tierWords splits an AkiDB statement into words: identifiers (quoted ones
// keep their case), 'strings' (returned with their quotes) and single
// punctuation characters.
func tierWords(text string) ([]string, error) {
	var out []string
	s := strings.TrimRight(strings.TrimSpace(text), ";")
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(s) {
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			if j >= len(s) {
				return nil, pgerr.New(pgerr.SyntaxError, "unterminated quoted string")
			}
			out = append(out, s[i:j+1])
			i = j + 1
		case c == '(' || c == ')' || c == ',' || c == '=':
			out = append(out, string(c))
			i++
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r(),='\"", rune(s[j])) {
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out, nil
}

// unquote reads a 'string' word.
func unquote(w string) (string, bool) {
	if len(w) >= 2 && w[0] == '\'' && w[len(w)-1] == '\'' {
		return strings.ReplaceAll(w[1:len(w)-1], "''", "'"), true
	}
	return "", false
}

func wordIs(words []string, i int, kw string) bool {
	return i < len(words) && strings.EqualFold(words[i], kw)
}

// tiersOrErr returns the tiering manager or the error for a server
// without one.
func (s *Session) tiersOrErr() (*tiering.Manager, error) {
	if s.eng.opts.Tiers == nil {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "tiering is not enabled on this server")
	}
	return s.eng.opts.Tiers, nil
}

// collectionByName resolves a collection for a tier or snapshot statement.
func (s *Session) collectionByName(name string) (*storage.TableDesc, error) {
	txn := s.txn
	if txn == nil {
		txn = s.eng.db.Begin()
		defer txn.Rollback()
	}
	td, err := txn.Table(name)
	if err != nil {
		return nil, err
	}
	if td == nil {
		return nil, pgerr.New(pgerr.UndefinedTable, "collection %q does not exist", name)
	}
	if !td.Collection {
		return nil, pgerr.New(pgerr.WrongObjectType, "%q is not a collection", name)
	}
	return td, nil
}

// tierPlan plans ALTER COLLECTION, CREATE/SHOW/DROP SNAPSHOT(S) and
// RESTORE COLLECTION. They run outside transaction blocks: they move data
// between tiers, which no ROLLBACK can undo.
func (b *binder) tierPlan(st *akidbStmt) (*plan, error) {
	words, err := tierWords(st.text)
	if err != nil {
		return nil, err
	}
	syntax := func(want string) error {
		return pgerr.New(pgerr.SyntaxError, "syntax error: expected %s", want)
	}
	runRows := func(tag string, fn func(ctx context.Context, s *Session, m *tiering.Manager) ([]types.Row, error)) *plan {
		return &plan{utility: func(ctx context.Context, p *Portal) (string, []types.Row, error) {
			s := p.s
			if s.txn != nil {
				return "", nil, pgerr.New(pgerr.ActiveSQLTransaction, "%s cannot run inside a transaction block", tag)
			}
			m, err := s.tiersOrErr()
			if err != nil {
				return "", nil, err
			}
			rows, err := fn(ctx, s, m)
			if err != nil {
				return "", nil, err
			}
			return tag, rows, nil
		}}
	}
	run := func(tag string, fn func(ctx context.Context, s *Session, m *tiering.Manager) error) *plan {
		return runRows(tag, func(ctx context.Context, s *Session, m *tiering.Manager) ([]types.Row, error) {
			return nil, fn(ctx, s, m)
		})
	}
	switch {
	case st.is("ALTER", "COLLECTION"):
		if len(words) < 4 {
			return nil, syntax("ALTER COLLECTION name SET TIER HOT|WARM|COLD, PIN, UNPIN or SET (option = value, ...)")
		}
		name := identifier(words[2])
		rest := words[3:]
		switch {
		case len(rest) == 3 && wordIs(rest, 0, "SET") && wordIs(rest, 1, "TIER"):
			tier, ok := tiering.ParseTier(rest[2])
			if !ok {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "invalid tier %q", rest[2]).WithHint("Valid tiers are HOT, WARM and COLD.")
			}
			return run("ALTER COLLECTION", func(ctx context.Context, s *Session, m *tiering.Manager) error {
				td, err := s.collectionByName(name)
				if err != nil {
					return err
				}
				return m.SetTier(ctx, td.ID, tier, s.progress)
			}), nil
		case len(rest) == 1 && (wordIs(rest, 0, "PIN") || wordIs(rest, 0, "UNPIN")):
			pin := wordIs(rest, 0, "PIN")
			return run("ALTER COLLECTION", func(ctx context.Context, s *Session, m *tiering.Manager) error {
				td, err := s.collectionByName(name)
				if err != nil {
					return err
				}
				return m.Pin(td.ID, pin)
			}), nil
		case len(rest) >= 2 && wordIs(rest, 0, "SET") && rest[1] == "(":
			opts, err := parseTierOptions(rest[1:])
			if err != nil {
				return nil, err
			}
			return run("ALTER COLLECTION", func(ctx context.Context, s *Session, m *tiering.Manager) error {
				td, err := s.collectionByName(name)
				if err != nil {
					return err
				}
				return m.SetOverrides(td.ID, func(o *tiering.Overrides) error {
					for _, opt := range opts {
						if err := opt(o); err != nil {
							return err
						}
					}
					return nil
				})
			}), nil
		}
		return nil, syntax("ALTER COLLECTION name SET TIER HOT|WARM|COLD, PIN, UNPIN or SET (option = value, ...)")
	case st.is("CREATE", "SNAPSHOT"):
		if len(words) != 5 || !wordIs(words, 2, "FOR") || !wordIs(words, 3, "COLLECTION") {
			return nil, syntax("CREATE SNAPSHOT FOR COLLECTION name")
		}
		name := identifier(words[4])
		p := runRows("CREATE SNAPSHOT", func(ctx context.Context, s *Session, m *tiering.Manager) ([]types.Row, error) {
			td, err := s.collectionByName(name)
			if err != nil {
				return nil, err
			}
			man, err := m.CreateSnapshot(ctx, td.ID, s.progress)
			if err != nil {
				return nil, err
			}
			return []types.Row{{types.NewString(man.ID)}}, nil
		})
		p.cols = []Column{{Name: "snapshot_id", Type: types.Text}}
		return p, nil
	case st.is("SHOW", "SNAPSHOTS"):
		var name string
		switch {
		case len(words) == 2:
		case len(words) == 5 && wordIs(words, 2, "FOR") && wordIs(words, 3, "COLLECTION"):
			name = identifier(words[4])
		default:
			return nil, syntax("SHOW SNAPSHOTS [FOR COLLECTION name]")
		}
		v := akidbViews["snapshots"]
		cols := make([]Column, len(v.cols))
		for i, c := range v.cols {
			cols[i] = Column{Name: c.name, Type: c.t}
		}
		return &plan{cols: cols, utility: func(ctx context.Context, p *Portal) (string, []types.Row, error) {
			m, err := p.s.tiersOrErr()
			if err != nil {
				return "", nil, err
			}
			var id uint32
			if name != "" {
				td, err := p.s.collectionByName(name)
				if err != nil {
					return "", nil, err
				}
				id = td.ID
			}
			rows, err := snapshotRows(ctx, m, id)
			return "SHOW", rows, err
		}}, nil
	case st.is("RESTORE", "COLLECTION"):
		if len(words) != 6 || !wordIs(words, 3, "FROM") || !wordIs(words, 4, "SNAPSHOT") {
			return nil, syntax("RESTORE COLLECTION name FROM SNAPSHOT 'id'")
		}
		name := identifier(words[2])
		id, ok := unquote(words[5])
		if !ok {
			return nil, syntax("a quoted snapshot id")
		}
		return run("RESTORE COLLECTION", func(ctx context.Context, s *Session, m *tiering.Manager) error {
			td, err := s.collectionByName(name)
			if err != nil {
				return err
			}
			return m.RestoreSnapshot(ctx, td.ID, id, s.progress)
		}), nil
	case st.is("DROP", "SNAPSHOT"):
		id, ok := "", len(words) == 3
		if ok {
			id, ok = unquote(words[2])
		}
		if !ok {
			return nil, syntax("DROP SNAPSHOT 'id'")
		}
		return run("DROP SNAPSHOT", func(ctx context.Context, s *Session, m *tiering.Manager) error {
			return m.DropSnapshot(ctx, id)
		}), nil
	}
	return nil, st.notImplemented()
}

// parseTierOptions reads ( name = value [, ...] ) of ALTER COLLECTION ...
// SET: hot_ttl and warm_ttl (intervals such as '6h' or '7 days'),
// promote_after (a count) and tiering (on/off).
func parseTierOptions(w []string) ([]func(*tiering.Overrides) error, error) {
	bad := pgerr.New(pgerr.SyntaxError, "syntax error: expected SET (option = value, ...)")
	if len(w) < 5 || w[0] != "(" || w[len(w)-1] != ")" {
		return nil, bad
	}
	var out []func(*tiering.Overrides) error
	for i := 1; i < len(w)-1; {
		if i+2 >= len(w) || w[i+1] != "=" {
			return nil, bad
		}
		name, raw := strings.ToLower(w[i]), w[i+2]
		val := raw
		if s, ok := unquote(raw); ok {
			val = s
		}
		switch name {
		case "hot_ttl", "warm_ttl":
			d, err := tiering.ParseInterval(val)
			if err != nil {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "invalid value for %s: %q", name, val).WithHint("Use an interval such as '6h', '30 min' or '7 days'.")
			}
			td := tiering.Duration(d)
			if name == "hot_ttl" {
				out = append(out, func(o *tiering.Overrides) error { o.HotTTL = &td; return nil })
			} else {
				out = append(out, func(o *tiering.Overrides) error { o.WarmTTL = &td; return nil })
			}
		case "promote_after":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "invalid value for promote_after: %q", val).WithHint("Use a positive number of accesses within an hour.")
			}
			out = append(out, func(o *tiering.Overrides) error { o.PromoteAfter = &n; return nil })
		case "tiering":
			var on bool
			switch strings.ToLower(val) {
			case "on", "true", "yes", "1":
				on = true
			case "off", "false", "no", "0":
			default:
				return nil, pgerr.New(pgerr.InvalidParameterValue, "invalid value for tiering: %q", val).WithHint("Use on or off.")
			}
			out = append(out, func(o *tiering.Overrides) error { o.Enabled = &on; return nil })
		default:
			return nil, pgerr.New(pgerr.InvalidParameterValue, "unrecognized collection option %q", name).WithHint("Options are hot_ttl, warm_ttl, promote_after and tiering.")
		}
		i += 3
		if w[i] == "," {
			i++
		} else if w[i] != ")" {
			return nil, bad
		}
	}
	return out, nil
}

// snapshotRows lists snapshots as akidb.snapshots rows, newest first.
func snapshotRows(ctx context.Context, m *tiering.Manager, id uint32) ([]types.Row, error) {
	snaps, err := m.Snapshots(ctx, id)
	if err != nil {
		return nil, err
	}
	rows := make([]types.Row, 0, len(snaps))
	for _, s := range snaps {
		rows = append(rows, types.Row{
			types.NewString(s.ID), types.NewString(s.Collection), timestamptz(s.CreatedAt),
			types.NewInt(s.Rows), types.NewInt(s.Bytes), types.NewString(s.ObjectKey),
		})
	}
	return rows, nil
}

// timestamptz makes a timestamptz datum of t.
func timestamptz(t time.Time) types.Datum {
	if t.IsZero() {
		return types.Null
	}
	epoch := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	return types.Datum{K: types.KTimestamp, I: t.Sub(epoch).Microseconds()}
}

var snapshotsView = view{
	cols: viewCols(
		[]string{"id", "collection", "created_at", "rows", "bytes", "object_key"},
		[]types.T{types.Text, types.Name, types.TimestampTZ, types.Int8, types.Int8, types.Text}),
	rows: func(b *binder, c *executor.Ctx) ([]types.Row, error) {
		m := b.sess.eng.opts.Tiers
		if m == nil {
			return nil, nil
		}
		ctx := context.Background()
		if c != nil && c.Context != nil {
			ctx = c.Context
		}
		return snapshotRows(ctx, m, 0)
	},
}

// collectionTier returns what akidb.collections shows of a collection's
// tier: tier, pinned, last access, accesses and bytes in the object store.
func (s *Session) collectionTier(id uint32) (tier string, pinned bool, last types.Datum, accesses, objBytes int64) {
	m := s.eng.opts.Tiers
	if m == nil {
		return "HOT", false, types.Null, 0, 0
	}
	st := m.State(id)
	if st.Tier == tiering.Cold {
		objBytes = m.SnapshotBytes(id)
	}
	return st.Tier.String(), st.Pinned, timestamptz(st.LastAccess), st.Accesses, objBytes
}
