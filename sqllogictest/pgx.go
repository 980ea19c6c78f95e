package sqllogictest

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Protocol selects how PGX sends SQL.
type Protocol string

const (
	// Simple sends each record as a Query message (the simple protocol);
	// results come back as text.
	Simple Protocol = "simple"
	// Extended sends Parse/Bind/Describe/Execute/Sync and asks for every
	// result column in text format.
	Extended Protocol = "extended"
)

// ParseProtocol accepts "simple" or "extended".
func ParseProtocol(s string) (Protocol, error) {
	switch Protocol(s) {
	case Simple, Extended:
		return Protocol(s), nil
	}
	return "", fmt.Errorf("sqllogictest: unknown protocol %q (want simple or extended)", s)
}

func (p Protocol) execMode() pgx.QueryExecMode {
	if p == Extended {
		// QueryExecModeExec uses the extended protocol with text formatted
		// parameters and results, in one round trip.
		return pgx.QueryExecModeExec
	}
	return pgx.QueryExecModeSimpleProtocol
}

// PGX is a Harness over one PostgreSQL wire protocol connection.
type PGX struct {
	conn *pgx.Conn
	mode pgx.QueryExecMode
}

var _ Harness = (*PGX)(nil)

// ConnectPGX opens a connection described by connString (a URL or
// keyword/value string as libpq takes). The caller must Close it.
func ConnectPGX(ctx context.Context, connString string, proto Protocol) (*PGX, error) {
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("sqllogictest: %w", err)
	}
	mode := proto.execMode()
	cfg.DefaultQueryExecMode = mode
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("sqllogictest: connect: %w", err)
	}
	return &PGX{conn: conn, mode: mode}, nil
}

// ConnString builds a keyword/value connection string.
func ConnString(addr, user, database string) string {
	host, port := addr, "5432"
	if i := strings.LastIndex(addr, ":"); i >= 0 {
		host, port = addr[:i], addr[i+1:]
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return fmt.Sprintf("host=%s port=%s user=%s dbname=%s sslmode=disable",
		quoteConnValue(host), quoteConnValue(port), quoteConnValue(user), quoteConnValue(database))
}

func quoteConnValue(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// Conn is the underlying connection.
func (h *PGX) Conn() *pgx.Conn { return h.conn }

// Close closes the connection.
func (h *PGX) Close(ctx context.Context) error { return h.conn.Close(ctx) }

// Exec implements Harness.
func (h *PGX) Exec(ctx context.Context, sql string) (int64, error) {
	tag, err := h.conn.Exec(ctx, sql, h.mode)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// Query implements Harness.
func (h *PGX) Query(ctx context.Context, sql string) (string, [][]string, error) {
	rows, err := h.conn.Query(ctx, sql, h.mode)
	if err != nil {
		return "", nil, err
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	var types strings.Builder
	for _, f := range fields {
		types.WriteByte(TypeLetter(f.DataTypeOID))
	}
	var out [][]string
	for rows.Next() {
		raw := rows.RawValues()
		row := make([]string, len(raw))
		for i, v := range raw {
			switch {
			case v == nil:
				row[i] = "NULL"
			case fields[i].Format == pgtype.TextFormatCode:
				row[i] = string(v)
			default:
				return "", nil, fmt.Errorf("sqllogictest: column %q came back in binary format", fields[i].Name)
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return "", nil, err
	}
	return types.String(), out, nil
}

// TypeLetter maps a PostgreSQL type OID to a sqllogictest type letter.
func TypeLetter(oid uint32) byte {
	switch oid {
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID, pgtype.OIDOID:
		return 'I'
	case pgtype.Float4OID, pgtype.Float8OID, pgtype.NumericOID:
		return 'R'
	}
	return 'T'
}
