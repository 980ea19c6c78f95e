package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// serverProc is an akidb binary started for one data set, on a free port
// and a fresh data directory.
type serverProc struct {
	cmd     *exec.Cmd
	addr    string
	dataDir string
	logPath string
	done    chan error
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func startServer(bin string) (*serverProc, error) {
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("server binary: %w (build it with `go build -o bin/akidb ./cmd/akidb` or pass --server-bin)", err)
	}
	dir, err := os.MkdirTemp("", "akidb-bench-")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	p := &serverProc{
		addr:    fmt.Sprintf("127.0.0.1:%d", port),
		dataDir: filepath.Join(dir, "data"),
		logPath: filepath.Join(dir, "server.log"),
		done:    make(chan error, 1),
	}
	logf, err := os.Create(p.logPath)
	if err != nil {
		return nil, err
	}
	p.cmd = exec.Command(bin, "--listen", p.addr, "--data", p.dataDir)
	p.cmd.Stdout = logf
	p.cmd.Stderr = logf
	if err := p.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() { p.done <- p.cmd.Wait(); logf.Close() }()

	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := pgx.Connect(ctx, connString(p.addr))
		cancel()
		if err == nil {
			c.Close(context.Background())
			return p, nil
		}
		select {
		case werr := <-p.done:
			p.done <- werr
			return nil, fmt.Errorf("server exited at start (%v):\n%s", werr, p.logTail())
		default:
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("server did not accept connections within 60 s: %v\n%s", err, p.logTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (p *serverProc) pid() int { return p.cmd.Process.Pid }

func (p *serverProc) logTail() string {
	b, _ := os.ReadFile(p.logPath)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return strings.Join(lines, "\n")
}

// stop ends the server (SIGTERM, then SIGKILL after 30 s) and removes its
// data directory.
func (p *serverProc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	os.RemoveAll(filepath.Dir(p.dataDir))
}

// memory is a process's resident set, in bytes, from /proc/<pid>/status.
type memory struct {
	RSS int64 `json:"vm_rss_bytes"` // VmRSS: resident now
	HWM int64 `json:"vm_hwm_bytes"` // VmHWM: peak resident
}

func readMemory(pid int) (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		fs := strings.Fields(v) // "123456 kB"
		if len(fs) != 2 || fs[1] != "kB" {
			continue
		}
		n, err := strconv.ParseInt(fs[0], 10, 64)
		if err != nil {
			continue
		}
		if k == "VmRSS" {
			m.RSS = n * 1024
		} else {
			m.HWM = n * 1024
		}
	}
	return m, sc.Err()
}

func connString(addr string) string {
	return fmt.Sprintf("postgres://akidb@%s/akidb?sslmode=disable&application_name=akidb-bench", addr)
}
