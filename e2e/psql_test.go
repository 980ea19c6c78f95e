package e2e

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the psql golden files in testdata/psql from this run")

// psqlCases run the real psql binary; each output is compared with
// testdata/psql/<name>.golden. The goldens were made by running the same
// cases against PostgreSQL 15 (AKIDB_E2E_POSTGRES=host:port ... -update).
var psqlCases = []struct {
	name string
	args []string
}{
	{"c_select", []string{"-c", "SELECT 1 AS one, 'two' AS two"}},
	{"c_two_statements", []string{"-c", "SELECT 1 AS a; SELECT 2 AS b"}},
	{"c_error", []string{"-c", "SELECT * FROM nope"}},
	{"c_many", []string{"-c", "CREATE TABLE c (x int, y text)", "-c", "INSERT INTO c VALUES (1, 'one'), (2, NULL)",
		"-c", "SELECT * FROM c ORDER BY x", "-c", "DROP TABLE c"}},
	{"c_unaligned", []string{"-A", "-t", "-c", "SELECT 40 + 2, 'x'"}},
	{"f_basic", []string{"-f", "testdata/psql/basic.sql"}},
	{"f_timing", []string{"-f", "testdata/psql/timing.sql"}},
}

var timingRE = regexp.MustCompile(`Time: [0-9]+\.[0-9]+ ms( \([^)]*\))?`)

func TestPsql(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		if _, err := os.Stat("/usr/bin/psql"); err != nil {
			t.Skip("psql is not installed")
		}
		psql = "/usr/bin/psql"
	}
	host, port, err := net.SplitHostPort(testAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range psqlCases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"-X", "-v", "ON_ERROR_STOP=0"}, tc.args...)
			cmd := exec.Command(psql, args...)
			cmd.Env = psqlEnv(host, port)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if _, ok := err.(*exec.ExitError); err != nil && !ok {
				t.Fatalf("run psql: %v", err)
			}
			got := "-- exit " + strconv.Itoa(cmd.ProcessState.ExitCode()) + "\n-- stdout\n" + stdout.String() + "-- stderr\n" + stderr.String()
			got = timingRE.ReplaceAllString(got, "Time: N ms")

			golden := filepath.Join("testdata", "psql", tc.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("psql %s: output differs from %s\n%s", strings.Join(tc.args, " "), golden, lineDiff(string(want), got))
			}
		})
	}
}

// psqlEnv is a clean environment that points psql at the server.
func psqlEnv(host, port string) []string {
	env := []string{"PGHOST=" + host, "PGPORT=" + port, "PGUSER=akidb", "PGDATABASE=akidb",
		"PGSSLMODE=disable", "LC_ALL=C.UTF-8", "PAGER=", "PSQL_PAGER="}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "PG") || strings.HasPrefix(k, "PSQL") || k == "LC_ALL" || k == "LANG" {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// lineDiff shows the lines that differ, with their numbers.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d\n  want: %s\n  got:  %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}
