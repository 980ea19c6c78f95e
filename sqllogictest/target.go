package sqllogictest

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"
)

// DatabaseName is the database a file runs in when the runner chooses it:
// "slt_" and the file's base name without extension, lower-case, with
// anything but letters, digits and '_' turned into '_'. Files that check
// current_database() expect this name.
func DatabaseName(path string) string {
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	var b strings.Builder
	b.WriteString("slt_")
	for _, r := range strings.ToLower(stem) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// ConnectFresh creates the database name on the server at addr (dropping
// it first if it exists), connecting to adminDB to do so, and returns a
// harness connected to it. cleanup closes the harness and drops the
// database. It is for running files against a server that keeps several
// databases, such as PostgreSQL.
func ConnectFresh(ctx context.Context, addr, user, adminDB, name string, proto Protocol) (h *PGX, cleanup func() error, err error) {
	admin, err := pgx.Connect(ctx, ConnString(addr, user, adminDB))
	if err != nil {
		return nil, nil, fmt.Errorf("sqllogictest: connect to %s: %w", adminDB, err)
	}
	ident := pgx.Identifier{name}.Sanitize()
	drop := func(ctx context.Context) error {
		_, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)")
		return err
	}
	if err := drop(ctx); err != nil {
		admin.Close(ctx)
		return nil, nil, fmt.Errorf("sqllogictest: drop database %s: %w", name, err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		admin.Close(ctx)
		return nil, nil, fmt.Errorf("sqllogictest: create database %s: %w", name, err)
	}
	h, err = ConnectPGX(ctx, ConnString(addr, user, name), proto)
	if err != nil {
		drop(ctx)
		admin.Close(ctx)
		return nil, nil, err
	}
	cleanup = func() error {
		ctx := context.Background()
		h.Close(ctx)
		err := drop(ctx)
		admin.Close(ctx)
		return err
	}
	return h, cleanup, nil
}
