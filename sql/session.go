package sql

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/akidb/akidb/executor"
	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/storage"
	"github.com/akidb/akidb/types"
)

// Session is one connection's SQL state: transaction, settings, prepared
// statements' plans. Its methods are called from the connection's goroutine
// only, one at a time.
type Session struct {
	eng      *Engine
	params   SessionParams
	settings map[string]string
	loc      *time.Location
	pid      int32

	// txn is the open transaction block (nil outside BEGIN ... COMMIT).
	txn *storage.Txn
	// failed marks a transaction block in which a statement failed.
	failed bool
	// ddlInTxn marks a block that changed the catalog: plans made before
	// may be stale even though the committed catalog version is the same.
	ddlInTxn bool
	txnStart time.Time
	// implicit marks txn as the implicit transaction of a simple-query
	// string with several statements: they commit together after the
	// last one, and an error in any rolls all back (as in PostgreSQL).
	implicit bool
	// held are the collections the open transaction has used, each held
	// until it ends so none is moved to COLD under its writes
	// (tiering.go).
	held      map[uint32]func()
	batchLeft int
}

// Statement is a parsed (and, once prepared, planned) statement.
type Statement struct {
	ps    parsedStmt
	empty bool
	hints []uint32
	plan  *plan
}

// Column is one field of a RowDescription.
type Column struct {
	Name     string
	Type     types.T
	TableOID uint32
	Attr     int16
}

// Empty reports an empty query (EmptyQueryResponse).
func (st *Statement) Empty() bool { return st.empty }

// ParamTypes are the resolved parameter types (extended protocol).
func (st *Statement) ParamTypes() []types.T {
	if st.plan == nil {
		return nil
	}
	return st.plan.params
}

// Columns describes the result rows; nil when the statement returns none.
func (st *Statement) Columns() []Column {
	if st.plan == nil {
		return nil
	}
	return st.plan.cols
}

// plan is a statement ready to run: a query, a DML statement or a utility
// statement, planned against one catalog version.
type plan struct {
	version uint64
	params  []types.T
	cols    []Column
	query   executor.Node
	dml     *dml
	utility func(ctx context.Context, p *Portal) (tag string, rows []types.Row, err error)
	// txnControl statements may run in a failed transaction block.
	txnControl bool
	// colls are the collections the statement reads or writes: each
	// execution records an access and waits for COLD ones to come back.
	colls []uint32
}

// notice sends a NOTICE (or the severity e has) to the client.
func (s *Session) notice(e *pgerr.Error) {
	if s.params.Notice == nil {
		return
	}
	if e.Severity == "" {
		e.Severity = pgerr.SeverityNotice
	}
	s.params.Notice(e)
}

// Fail records an error the wire layer raised for this session (a
// duplicate statement name, a malformed Bind): as any statement error, it
// fails an open transaction block.
func (s *Session) Fail(err error) { _ = s.fail(err) }

// fail records a statement error: inside a transaction block the block is
// now failed until ROLLBACK.
func (s *Session) fail(err error) error {
	if err == nil {
		return nil
	}
	if s.implicit {
		s.endTxn()
		return err
	}
	if s.txn != nil {
		s.failed = true
	}
	return err
}

// statementDone counts a finished statement of an implicit transaction
// and commits it after the last one.
func (s *Session) statementDone() error {
	if !s.implicit {
		return nil
	}
	s.batchLeft--
	if s.batchLeft > 0 {
		return nil
	}
	txn := s.txn
	s.txn, s.implicit, s.ddlInTxn = nil, false, false
	defer s.releaseHeld()
	return txn.Commit()
}

// Parse splits a simple-query string into its statements, parsing all of
// them first (a syntax error anywhere means none runs). An empty or
// comment-only string gives zero statements.
func (s *Session) Parse(query string) ([]*Statement, error) {
	stmts, err := s.eng.parse(query)
	if err != nil {
		return nil, s.fail(err)
	}
	out := make([]*Statement, len(stmts))
	for i, ps := range stmts {
		out[i] = &Statement{ps: ps}
	}
	if len(stmts) > 1 && s.txn == nil {
		s.txn, s.implicit, s.batchLeft = s.eng.db.Begin(), true, len(stmts)
		s.txnStart = time.Now()
	}
	return out, nil
}

// Prepare parses and plans one statement for the extended protocol.
// paramTypes are the OIDs the client gave (0 = unspecified); the
// statement's ParamTypes have every parameter's type resolved. An empty
// query gives a Statement whose Empty is true.
func (s *Session) Prepare(query string, paramTypes []uint32) (*Statement, error) {
	stmts, err := s.eng.parse(query)
	if err != nil {
		return nil, s.fail(err)
	}
	if len(stmts) == 0 {
		return &Statement{empty: true, plan: &plan{}}, nil
	}
	if len(stmts) > 1 {
		return nil, s.fail(pgerr.New(pgerr.SyntaxError, "cannot insert multiple commands into a prepared statement"))
	}
	st := &Statement{ps: stmts[0], hints: paramTypes}
	if s.failed {
		// PostgreSQL still parses in a failed block; planning needs the
		// catalog, so only transaction control is planned there.
		if p, ok := s.txnControlPlan(st.ps); ok {
			st.plan = p
			return st, nil
		}
		return nil, errAborted()
	}
	if err := s.planStatement(st); err != nil {
		return nil, s.fail(err)
	}
	return st, nil
}

func errAborted() error {
	return pgerr.New(pgerr.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
}

// Bind makes a portal of a statement with decoded parameter values
// (len(params) == len(st.ParamTypes())). A statement from Parse is planned
// here, once the ones before it have run.
func (s *Session) Bind(ctx context.Context, st *Statement, params []types.Datum) (*Portal, error) {
	if st.empty {
		return &Portal{s: s, st: st, done: true}, nil
	}
	if s.failed {
		p, ok := s.txnControlPlan(st.ps)
		if !ok {
			return nil, errAborted()
		}
		return &Portal{s: s, st: st, plan: p, params: params}, nil
	}
	if st.plan == nil || s.stale(st.plan) {
		if err := s.planStatement(st); err != nil {
			return nil, s.fail(err)
		}
	}
	if len(params) != len(st.plan.params) {
		return nil, s.fail(pgerr.New(pgerr.ProtocolViolation, "bind message supplies %d parameters, but prepared statement requires %d", len(params), len(st.plan.params)))
	}
	return &Portal{s: s, st: st, plan: st.plan, params: params}, nil
}

func (s *Session) stale(p *plan) bool {
	return p.version != s.eng.db.CatalogVersion() || s.ddlInTxn
}

// TxStatus is 'I' (idle), 'T' (in a transaction block) or 'E' (in a failed
// transaction block), for ReadyForQuery.
func (s *Session) TxStatus() byte {
	switch {
	case s.txn == nil:
		return 'I'
	case s.failed:
		return 'E'
	}
	return 'T'
}

// Location is the session's TimeZone, used to format timestamptz.
func (s *Session) Location() *time.Location { return s.loc }

// Close ends the session, rolling back an open transaction.
func (s *Session) Close() { s.endTxn() }

func (s *Session) endTxn() {
	if s.txn != nil {
		s.txn.Rollback()
	}
	s.txn, s.failed, s.ddlInTxn, s.implicit = nil, false, false, false
	s.releaseHeld()
}

// planStatement binds and plans st against the current catalog.
func (s *Session) planStatement(st *Statement) error {
	version := s.eng.db.CatalogVersion()
	txn := s.txn
	if txn == nil {
		txn = s.eng.db.Begin()
		defer txn.Rollback()
	}
	b := &binder{sess: s, txn: txn, hints: st.hints}
	p, err := b.plan(st.ps)
	if err != nil {
		return err
	}
	p.version = version
	p.params = b.paramTypes()
	p.colls = b.colls
	st.plan = p
	return nil
}

// plan dispatches on the statement kind.
func (b *binder) plan(ps parsedStmt) (*plan, error) {
	if ps.akidb != nil {
		return b.akidbPlan(ps.akidb)
	}
	if p, ok := b.sess.txnControlPlan(ps); ok {
		return p, nil
	}
	n := ps.node
	switch {
	case n.GetSelectStmt() != nil:
		q, err := b.selectStmt(n.GetSelectStmt(), nil)
		if err != nil {
			return nil, err
		}
		return &plan{query: q.node, cols: q.cols}, nil
	case n.GetInsertStmt() != nil:
		d, err := b.insertStmt(n.GetInsertStmt())
		return dmlPlan(d, err)
	case n.GetUpdateStmt() != nil:
		d, err := b.updateStmt(n.GetUpdateStmt())
		return dmlPlan(d, err)
	case n.GetDeleteStmt() != nil:
		d, err := b.deleteStmt(n.GetDeleteStmt())
		return dmlPlan(d, err)
	case n.GetCreateStmt() != nil:
		return b.ddlPlan(func(b *binder) (string, error) { return b.createTable(n.GetCreateStmt(), false) }), nil
	case n.GetDropStmt() != nil:
		return b.ddlPlan(func(b *binder) (string, error) { return b.dropStmt(n.GetDropStmt()) }), nil
	case n.GetIndexStmt() != nil:
		return b.ddlPlan(func(b *binder) (string, error) { return b.createIndex(n.GetIndexStmt()) }), nil
	case n.GetAlterTableStmt() != nil:
		return b.ddlPlan(func(b *binder) (string, error) { return b.alterTable(n.GetAlterTableStmt()) }), nil
	case n.GetVariableSetStmt() != nil:
		return b.setPlan(n.GetVariableSetStmt())
	case n.GetVariableShowStmt() != nil:
		return b.showPlan(n.GetVariableShowStmt())
	case n.GetExplainStmt() != nil:
		return b.explainPlan(n.GetExplainStmt())
	case n.GetCopyStmt() != nil:
		return b.copyPlan(n.GetCopyStmt())
	case n.GetCreateExtensionStmt() != nil:
		return createExtension(n.GetCreateExtensionStmt())
	case n.GetDeallocateStmt() != nil, n.GetDiscardStmt() != nil:
		tag := "DEALLOCATE"
		if n.GetDeallocateStmt() != nil && n.GetDeallocateStmt().Name == "" {
			tag = "DEALLOCATE ALL"
		}
		if n.GetDiscardStmt() != nil {
			tag = "DISCARD ALL"
		}
		return &plan{utility: func(context.Context, *Portal) (string, []types.Row, error) { return tag, nil, nil }}, nil
	}
	return nil, pgerr.New(pgerr.FeatureNotSupported, "statement %s is not supported yet", strings.TrimSuffix(nodeName(n), "Stmt"))
}

func dmlPlan(d *dml, err error) (*plan, error) {
	if err != nil {
		return nil, err
	}
	return &plan{dml: d, cols: d.cols}, nil
}

// ddlPlan wraps a catalog change: it runs in the statement's transaction
// and binds against the catalog as it is when it runs.
func (b *binder) ddlPlan(run func(b *binder) (string, error)) *plan {
	return &plan{utility: func(ctx context.Context, p *Portal) (string, []types.Row, error) {
		s := p.s
		var tag string
		err := s.inTxn(func(txn *storage.Txn) error {
			var err error
			tag, err = run(&binder{sess: s, txn: txn})
			return err
		})
		if err == nil && s.txn != nil {
			s.ddlInTxn = true
		}
		return tag, nil, err
	}}
}

// inTxn runs fn in the open transaction block, or in a transaction of its
// own that commits when fn succeeds.
func (s *Session) inTxn(fn func(txn *storage.Txn) error) error {
	if s.txn != nil {
		return fn(s.txn)
	}
	txn := s.eng.db.Begin()
	if err := fn(txn); err != nil {
		txn.Rollback()
		return err
	}
	return txn.Commit()
}

// txnControlPlan plans BEGIN, COMMIT and ROLLBACK, the statements that may
// run in a failed transaction block.
func (s *Session) txnControlPlan(ps parsedStmt) (*plan, bool) {
	if ps.node == nil || ps.node.GetTransactionStmt() == nil {
		return nil, false
	}
	ts := ps.node.GetTransactionStmt()
	run := func(ctx context.Context, p *Portal) (string, []types.Row, error) {
		switch ts.Kind {
		case pg_query.TransactionStmtKind_TRANS_STMT_BEGIN, pg_query.TransactionStmtKind_TRANS_STMT_START:
			if s.failed {
				return "", nil, errAborted()
			}
			if s.implicit {
				s.implicit = false
				return "BEGIN", nil, nil
			}
			if s.txn != nil {
				s.notice(&pgerr.Error{Severity: pgerr.SeverityWarning, Code: pgerr.ActiveSQLTransaction, Message: "there is already a transaction in progress"})
				return "BEGIN", nil, nil
			}
			s.txn = s.eng.db.Begin()
			s.txnStart = time.Now()
			return "BEGIN", nil, nil
		case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT:
			if s.txn == nil {
				s.notice(&pgerr.Error{Severity: pgerr.SeverityWarning, Code: pgerr.NoActiveSQLTransaction, Message: "there is no transaction in progress"})
				return "COMMIT", nil, nil
			}
			if s.failed {
				s.endTxn()
				return "ROLLBACK", nil, nil
			}
			txn := s.txn
			s.txn, s.failed, s.ddlInTxn, s.implicit = nil, false, false, false
			defer s.releaseHeld()
			if err := txn.Commit(); err != nil {
				return "", nil, err
			}
			return "COMMIT", nil, nil
		case pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK:
			if s.txn == nil {
				s.notice(&pgerr.Error{Severity: pgerr.SeverityWarning, Code: pgerr.NoActiveSQLTransaction, Message: "there is no transaction in progress"})
			}
			s.endTxn()
			return "ROLLBACK", nil, nil
		}
		if s.failed {
			return "", nil, errAborted()
		}
		return "", nil, pgerr.New(pgerr.FeatureNotSupported, "%s is not supported yet", strings.TrimPrefix(ts.Kind.String(), "TRANS_STMT_"))
	}
	return &plan{utility: run, txnControl: true}, true
}

func (b *binder) setPlan(vs *pg_query.VariableSetStmt) (*plan, error) {
	s := b.sess
	switch vs.Kind {
	case pg_query.VariableSetKind_VAR_SET_VALUE:
		value, err := settingValue(vs.Args)
		if err != nil {
			return nil, err
		}
		return &plan{utility: func(context.Context, *Portal) (string, []types.Row, error) {
			return "SET", nil, s.set(vs.Name, value)
		}}, nil
	case pg_query.VariableSetKind_VAR_SET_DEFAULT, pg_query.VariableSetKind_VAR_RESET:
		tag := "SET"
		if vs.Kind == pg_query.VariableSetKind_VAR_RESET {
			tag = "RESET"
		}
		return &plan{utility: func(context.Context, *Portal) (string, []types.Row, error) {
			return tag, nil, s.reset(vs.Name)
		}}, nil
	case pg_query.VariableSetKind_VAR_RESET_ALL:
		return &plan{utility: func(context.Context, *Portal) (string, []types.Row, error) {
			for _, st := range settingList {
				_ = s.reset(st.name)
			}
			return "RESET", nil, nil
		}}, nil
	case pg_query.VariableSetKind_VAR_SET_MULTI:
		// SET TRANSACTION / SESSION CHARACTERISTICS: one isolation level.
		return &plan{utility: func(context.Context, *Portal) (string, []types.Row, error) { return "SET", nil, nil }}, nil
	}
	return nil, pgerr.New(pgerr.FeatureNotSupported, "SET form is not supported")
}

func (b *binder) showPlan(vs *pg_query.VariableShowStmt) (*plan, error) {
	s := b.sess
	if strings.EqualFold(vs.Name, "all") {
		return &plan{
			cols: []Column{{Name: "name", Type: types.Text}, {Name: "setting", Type: types.Text}, {Name: "description", Type: types.Text}},
			utility: func(context.Context, *Portal) (string, []types.Row, error) {
				return "SHOW", s.showAll(), nil
			},
		}, nil
	}
	if _, err := s.show(vs.Name); err != nil {
		return nil, err
	}
	name := strings.ToLower(vs.Name)
	if st := settingsByKey[name]; st != nil {
		name = strings.ToLower(st.name)
	}
	return &plan{
		cols: []Column{{Name: name, Type: types.Text}},
		utility: func(context.Context, *Portal) (string, []types.Row, error) {
			v, err := s.show(vs.Name)
			return "SHOW", []types.Row{{types.NewString(v)}}, err
		},
	}, nil
}

// Portal is a bound statement ready to run.
type Portal struct {
	s      *Session
	st     *Statement
	plan   *plan
	params []types.Datum

	done bool
	// A query portal streams from iter; rows holds utility and RETURNING
	// results.
	iter executor.RowIter
	ectx *executor.Ctx
	txn  *storage.Txn // the portal's own transaction outside a block
	rows []types.Row
	tag  string
	// copyIO is the wire side of a COPY (SetCopyIO).
	copyIO CopyIO
	// release ends the statement's hold on its collections (tiering.go).
	release func()
}

// Columns describes the result rows; nil when none.
func (p *Portal) Columns() []Column {
	if p.plan == nil {
		return nil
	}
	return p.plan.cols
}

// Execute runs or resumes the portal, calling emit for each row, at most
// maxRows rows when maxRows > 0. It returns done=false when it stopped at
// maxRows with rows left (PortalSuspended), else done=true and the command
// tag ("SELECT 3", "INSERT 0 1", "CREATE TABLE"). Cancelling ctx stops it
// with SQLSTATE 57014. A row passed to emit is only valid during the call.
func (p *Portal) Execute(ctx context.Context, maxRows int, emit func(types.Row) error) (done bool, tag string, err error) {
	if p.done && p.tag == "" && p.rows == nil && p.st.empty {
		return true, "", nil
	}
	implicit := p.s.implicit
	done, tag, err = p.execute(ctx, maxRows, emit)
	if err == nil && done && implicit {
		err = p.s.statementDone()
	}
	if err != nil {
		p.abort()
		return true, "", p.s.fail(err)
	}
	return done, tag, nil
}

func (p *Portal) execute(ctx context.Context, maxRows int, emit func(types.Row) error) (bool, string, error) {
	s := p.s
	if p.tag == "" && p.iter == nil {
		if s.failed && !p.plan.txnControl {
			return true, "", errAborted()
		}
		if err := p.acquire(ctx); err != nil {
			return true, "", err
		}
		switch {
		case p.plan.utility != nil:
			tag, rows, err := p.plan.utility(ctx, p)
			p.releaseColls()
			if err != nil {
				return true, "", err
			}
			p.rows, p.tag = rows, tag
		case p.plan.dml != nil:
			err := p.runDML(ctx)
			p.releaseColls()
			if err != nil {
				return true, "", err
			}
		default:
			if err := p.openQuery(ctx); err != nil {
				return true, "", err
			}
		}
	}
	sent := 0
	for len(p.rows) > 0 {
		if maxRows > 0 && sent >= maxRows {
			return false, "", nil
		}
		if err := emit(p.rows[0]); err != nil {
			return true, "", err
		}
		p.rows = p.rows[1:]
		sent++
	}
	if p.iter != nil {
		p.ectx.Context = ctx
		for {
			if maxRows > 0 && sent >= maxRows {
				return false, "", nil
			}
			row, err := p.iter.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return true, "", err
			}
			if err := emit(row); err != nil {
				return true, "", err
			}
			sent++
		}
		err := p.iter.Close()
		p.iter = nil
		p.releaseColls()
		if err == nil && p.txn != nil {
			err = p.txn.Commit()
			p.txn = nil
		}
		if err != nil {
			return true, "", err
		}
		// As PostgreSQL, the tag counts the rows of this Execute only.
		p.tag = "SELECT " + strconv.Itoa(sent)
	}
	p.done = true
	return true, p.tag, nil
}

func (p *Portal) newCtx(ctx context.Context, txn *storage.Txn) *executor.Ctx {
	s := p.s
	now := time.Now()
	if s.txn != nil {
		now = s.txnStart
	}
	return &executor.Ctx{
		Context: ctx, DB: s.eng.db, Txn: txn, Params: p.params,
		User: s.params.User, Database: s.params.Database, Location: s.loc, StatementTime: now,
		EfSearch: s.efSearch(),
	}
}

func (p *Portal) openQuery(ctx context.Context) error {
	txn := p.s.txn
	if txn == nil {
		p.txn = p.s.eng.db.Begin()
		txn = p.txn
	}
	p.ectx = p.newCtx(ctx, txn)
	it, err := p.plan.query.Open(p.ectx)
	if err != nil {
		return err
	}
	p.iter = it
	return nil
}

// maxRetries bounds how often an autocommit write is re-run after a
// serialization conflict with a concurrent transaction.
const maxRetries = 20

// runDML runs an INSERT/UPDATE/DELETE to completion. Outside a block it
// commits at once, re-running the statement when a concurrent commit made
// it conflict (what READ COMMITTED's re-check does in PostgreSQL).
func (p *Portal) runDML(ctx context.Context) error {
	s := p.s
	for attempt := 0; ; attempt++ {
		txn := s.txn
		if txn == nil {
			txn = s.eng.db.Begin()
		}
		ectx := p.newCtx(ctx, txn)
		it, err := p.plan.dml.node.Open(ectx)
		if err == nil && s.txn == nil {
			err = txn.Commit()
		} else if err != nil && s.txn == nil {
			txn.Rollback()
		}
		if err != nil {
			if s.txn == nil && pgerr.Code(err) == pgerr.SerializationFailure && attempt < maxRetries {
				backoff := time.Duration(attempt+1) * 200 * time.Microsecond
				select {
				case <-time.After(backoff):
					continue
				case <-ctx.Done():
					return ectx.Canceled()
				}
			}
			return err
		}
		d := it.(*executor.DMLIter)
		rows, err := executor.Drain(ectx, d)
		if err != nil {
			return err
		}
		p.rows = rows
		n := strconv.FormatInt(d.Affected, 10)
		if p.plan.dml.verb == "INSERT" {
			p.tag = "INSERT 0 " + n
		} else {
			p.tag = p.plan.dml.verb + " " + n
		}
		return nil
	}
}

// abort releases what a failed portal holds.
func (p *Portal) abort() {
	if p.iter != nil {
		_ = p.iter.Close()
		p.iter = nil
	}
	if p.txn != nil {
		p.txn.Rollback()
		p.txn = nil
	}
	p.rows = nil
	p.done = true
	p.releaseColls()
}

// Close releases the portal's resources.
func (p *Portal) Close() {
	if p.iter != nil {
		_ = p.iter.Close()
		p.iter = nil
		if p.txn != nil {
			// A read-only portal closed early: nothing to keep.
			p.txn.Rollback()
			p.txn = nil
		}
	}
	p.releaseColls()
}

var _ = errors.New

// efSearch is the session's hnsw.ef_search.
func (s *Session) efSearch() int {
	v, _ := s.show("hnsw.ef_search")
	n, err := strconv.Atoi(v)
	if err != nil {
		return executor.DefaultEfSearch
	}
	return n
}

// createExtension accepts the extensions AkiDB has built in: pgvector's
// types, operators and index are always there, so CREATE EXTENSION vector
// is a no-op that succeeds.
func createExtension(ce *pg_query.CreateExtensionStmt) (*plan, error) {
	switch ce.Extname {
	case "vector", "plpgsql":
		return &plan{utility: func(context.Context, *Portal) (string, []types.Row, error) {
			return "CREATE EXTENSION", nil, nil
		}}, nil
	}
	return nil, pgerr.New(pgerr.UndefinedFile, "extension %q is not available", ce.Extname).
		WithDetail("AkiDB has the extensions vector and plpgsql built in; others cannot be installed.")
}
