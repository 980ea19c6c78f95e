package sqllogictest_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/akidb/akidb/sqllogictest"
)

// scratchPostgres is a throwaway PostgreSQL cluster in a temp directory.
type scratchPostgres struct {
	dir   string
	bin   string // directory of initdb, pg_ctl and postgres
	runAs *user.User
	addr  string
}

// startPostgres starts a scratch PostgreSQL on a free loopback port and
// stops it when t ends. It skips t when PostgreSQL's binaries are not
// installed, or when running as root (which PostgreSQL refuses) without a
// "postgres" user to run it as.
func startPostgres(t *testing.T) *scratchPostgres {
	t.Helper()
	initdb, err := exec.LookPath("initdb")
	if err != nil {
		if _, serr := os.Stat("/usr/local/bin/initdb"); serr != nil {
			t.Skip("PostgreSQL's initdb not found: runner check against PostgreSQL skipped")
		}
		initdb = "/usr/local/bin/initdb"
	}
	if resolved, err := filepath.EvalSymlinks(initdb); err == nil {
		initdb = resolved
	}
	pg := &scratchPostgres{bin: filepath.Dir(initdb)}
	for _, b := range []string{"pg_ctl", "postgres"} {
		if _, err := os.Stat(filepath.Join(pg.bin, b)); err != nil {
			t.Skipf("%s not found next to initdb: runner check against PostgreSQL skipped", b)
		}
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root and there is no postgres user to run PostgreSQL as: skipped")
		}
		if _, err := exec.LookPath("su"); err != nil {
			t.Skip("running as root without su: skipped")
		}
		pg.runAs = u
	}

	dir, err := os.MkdirTemp("", "slt-pg-")
	if err != nil {
		t.Fatal(err)
	}
	pg.dir = dir
	t.Cleanup(func() { os.RemoveAll(dir) })
	if pg.runAs != nil {
		uid, _ := strconv.Atoi(pg.runAs.Uid)
		gid, _ := strconv.Atoi(pg.runAs.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	port := freePort(t)
	pg.addr = fmt.Sprintf("127.0.0.1:%d", port)
	data := filepath.Join(dir, "data")
	pg.run(t, "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c timezone=America/New_York", port, dir)
	pg.run(t, "pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-o", opts, "-w", "-t", "60", "start")
	t.Cleanup(func() {
		pg.command("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop").Run()
	})
	return pg
}

// hasExtension reports whether the scratch server can CREATE EXTENSION name.
func (pg *scratchPostgres) hasExtension(t *testing.T, name string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, "postgres://postgres@"+pg.addr+"/postgres?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_available_extensions WHERE name = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// needsVector reports whether an .slt file creates pgvector's extension.
func needsVector(t *testing.T, file string) bool {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(strings.ToUpper(string(b)), "CREATE EXTENSION IF NOT EXISTS VECTOR")
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// command builds a command for one of the PostgreSQL binaries, run as the
// postgres user when this process is root.
func (pg *scratchPostgres) command(name string, args ...string) *exec.Cmd {
	path := filepath.Join(pg.bin, name)
	if pg.runAs == nil {
		return exec.Command(path, args...)
	}
	quoted := []string{shellQuote(path)}
	for _, a := range args {
		quoted = append(quoted, shellQuote(a))
	}
	return exec.Command("su", pg.runAs.Username, "-s", "/bin/sh", "-c", strings.Join(quoted, " "))
}

func (pg *scratchPostgres) run(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := pg.command(name, args...)
	cmd.Dir = pg.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(pg.dir, "log"))
		t.Fatalf("%s: %v\n%s\n%s", name, err, out, log)
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// TestRunnerAgainstPostgreSQL checks the runner itself: real PostgreSQL 15
// passes every record of AkiDB's own files and of the shared corpus, so any
// failure here is the runner's (or a file's) fault, not AkiDB's.
func TestRunnerAgainstPostgreSQL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster: skipped in -short mode")
	}
	pg := startPostgres(t)
	files := ownFiles(t)
	if dir, ok := sharedDir(t); ok {
		for _, name := range corpusFiles {
			files = append(files, filepath.Join(dir, name))
		}
		more, _ := filepath.Glob(filepath.Join(dir, "pg", "*", "*.slt"))
		files = append(files, more...)
		more, _ = filepath.Glob(filepath.Join(dir, "evidence", "*.test"))
		files = append(files, more...)
	} else {
		t.Logf("corpus directory %s not found: corpus files skipped", dir)
	}
	vector := pg.hasExtension(t, "vector")
	for _, proto := range []sqllogictest.Protocol{sqllogictest.Simple, sqllogictest.Extended} {
		t.Run(string(proto), func(t *testing.T) {
			for _, file := range files {
				t.Run(filepath.Base(file), func(t *testing.T) {
					if !vector && needsVector(t, file) {
						t.Skip("pgvector is not installed in this PostgreSQL: a file that creates the vector extension is skipped")
					}
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
					defer cancel()
					name := sqllogictest.DatabaseName(file)
					h, cleanup, err := sqllogictest.ConnectFresh(ctx, pg.addr, "postgres", "postgres", name, proto)
					if err != nil {
						t.Fatal(err)
					}
					defer func() {
						if err := cleanup(); err != nil {
							t.Error(err)
						}
					}()
					runAndReport(t, h, file)
				})
			}
		})
	}
}
