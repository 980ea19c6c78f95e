package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The akidb binary, built once per test run into a temporary directory.
var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func akidbBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "akidb-e2e-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "akidb")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/akidb/akidb/cmd/akidb")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// proc is a running akidb binary.
type proc struct {
	cmd    *exec.Cmd
	addr   string
	mu     sync.Mutex
	lines  []string // stderr so far
	exited chan struct{}
	err    error // Wait's result, after exited is closed
}

var addrRE = regexp.MustCompile(`addr=(\S+)`)

// startBinary runs akidb with args (and extra environment), waits for its
// ready line and returns it. The process is killed at the end of the test
// if still running.
func startBinary(t testing.TB, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(akidbBinary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, exited: make(chan struct{})}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.lines = append(p.lines, line)
			p.mu.Unlock()
			if m := addrRE.FindStringSubmatch(line); m != nil && strings.Contains(line, "ready") {
				select {
				case ready <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case p.addr = <-ready:
	case <-p.exited:
		t.Fatalf("akidb exited before it was ready: %v\n%s", p.err, p.log())
	case <-time.After(60 * time.Second):
		t.Fatalf("akidb not ready after 60s\n%s", p.log())
	}
	return p
}

func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// stop sends sig and waits for the process to end.
func (p *proc) stop(t testing.TB, sig syscall.Signal, within time.Duration) error {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
		return p.err
	case <-time.After(within):
		t.Fatalf("akidb still running %v after %v\n%s", within, sig, p.log())
		return nil
	}
}

// The binary logs exactly one line when ready, takes its settings from the
// environment, and stops cleanly on SIGTERM and SIGINT.
func TestBinaryStartsAndStops(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			p := startBinary(t, []string{"AKIDB_LISTEN=127.0.0.1:0", "AKIDB_DATA_DIR=" + data})
			if lines := strings.Split(p.log(), "\n"); len(lines) != 1 {
				t.Errorf("%d log lines at start, want 1:\n%s", len(lines), p.log())
			}
			conn := connect(t, p.addr)
			if conn.PgConn().ParameterStatus("server_encoding") != "UTF8" {
				t.Error("no startup parameters")
			}
			if err := p.stop(t, sig, 15*time.Second); err != nil {
				t.Fatalf("exit after %v: %v\n%s", sig, err, p.log())
			}
			if _, err := os.Stat(data); err != nil {
				t.Errorf("data directory from AKIDB_DATA_DIR: %v", err)
			}
			if err := conn.Ping(ctxT(t)); err == nil {
				t.Error("a connection survived the server")
			}
		})
	}
}

// SIGTERM lets a running statement finish before the server stops.
func TestBinaryShutdownLetsStatementsFinish(t *testing.T) {
	p := startBinary(t, nil, "--listen", "127.0.0.1:0", "--data", filepath.Join(t.TempDir(), "data"))
	conn := connect(t, p.addr)
	done := make(chan error, 1)
	go func() {
		_, err := conn.Exec(context.Background(), "SELECT pg_sleep(1.5)")
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	if err := p.stop(t, syscall.SIGTERM, 15*time.Second); err != nil {
		t.Fatalf("exit: %v\n%s", err, p.log())
	}
	if err := <-done; err != nil {
		t.Fatalf("the running statement failed: %v", err)
	}
}

// Every row acknowledged before a SIGKILL is there after a restart.
func TestDurabilityAcrossSIGKILL(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	args := []string{"--listen", "127.0.0.1:0", "--data", data}
	p := startBinary(t, nil, args...)
	conn := connect(t, p.addr)
	mustExec(t, conn, "CREATE TABLE acked (id int PRIMARY KEY, v text NOT NULL)")

	var (
		mu    sync.Mutex
		acked []int
	)
	writer := make(chan struct{})
	go func() {
		defer close(writer)
		ctx := context.Background()
		for i := 1; ; i++ {
			if i%10 == 0 {
				// Some rows committed by a transaction block.
				ids := []int{i * 1000, i*1000 + 1, i*1000 + 2}
				err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
					for _, id := range ids {
						if _, err := tx.Exec(ctx, "INSERT INTO acked VALUES ($1, $2)", id, fmt.Sprint("tx ", id)); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					return
				}
				mu.Lock()
				acked = append(acked, ids...)
				mu.Unlock()
				continue
			}
			if _, err := conn.Exec(ctx, "INSERT INTO acked VALUES ($1, $2)", i, fmt.Sprint("row ", i)); err != nil {
				return
			}
			mu.Lock()
			acked = append(acked, i)
			mu.Unlock()
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 300 || time.Now().After(deadline) {
			break
		}
		select {
		case <-writer:
			t.Fatalf("the writer stopped after %d rows", n)
		case <-time.After(10 * time.Millisecond):
		}
	}
	p.stop(t, syscall.SIGKILL, 10*time.Second)
	<-writer
	mu.Lock()
	want := append([]int(nil), acked...)
	mu.Unlock()
	if len(want) == 0 {
		t.Fatal("no row was acknowledged")
	}

	p = startBinary(t, nil, args...)
	conn = connect(t, p.addr)
	rows, err := conn.Query(ctxT(t), "SELECT id, v FROM acked")
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	found := map[int]string{}
	for rows.Next() {
		var id int
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		found[id] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var missing []int
	for _, id := range want {
		if _, ok := found[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d of %d acknowledged rows lost, e.g. %v", len(missing), len(want), missing[:min(10, len(missing))])
	}
	t.Logf("%d acknowledged rows all present after SIGKILL (%d rows in the table)", len(want), len(found))
	if err := p.stop(t, syscall.SIGTERM, 15*time.Second); err != nil {
		t.Fatalf("exit: %v", err)
	}
}
