// Package minio runs a real MinIO server for tests.
//
// Start launches one on a free loopback port with a temporary data
// directory, its own random credentials and a fresh bucket, and stops it
// when the test ends. The server binary is <repo>/bin/minio; when it is
// missing (or was built from another version) it is installed there with
// `go install github.com/minio/minio@<Version>`, which takes about ten
// minutes on two cores the first time. Test processes of different
// packages that need it at once take an exclusive lock on
// <repo>/bin/.minio.lock, so the install happens once.
package minio

import (
	"bufio"
	"context"
	"crypto/rand"
	"debug/buildinfo"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Module and Version identify the MinIO server the tests use. The
// version is pinned so every machine tests against the same server: the
// commit of 2026-02-12 on MinIO's main branch, which builds with Go 1.26
// (a cold `go install` took 9m53s on two cores).
const (
	Module  = "github.com/minio/minio"
	Version = "v0.0.0-20260212201848-7aac2a2c5b7c"
)

// installTimeout bounds `go install` of the server.
const installTimeout = 45 * time.Minute

// Server is a running MinIO.
type Server struct {
	// Endpoint is the S3 API's base URL, http://127.0.0.1:port.
	Endpoint string
	// AccessKey and SecretKey are the root credentials.
	AccessKey string
	SecretKey string
	// Bucket is a bucket created for the test.
	Bucket string
	// Dir is the server's data directory.
	Dir string

	bin     string
	addr    string
	console string
	logPath string

	noCompat bool

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// Option changes how Start runs the server.
type Option func(*Server)

// NoCompat runs the server with --no-compat: it no longer computes an MD5
// of every upload for its ETags (they become random), a third or more of
// its CPU on an upload. Benchmarks use it where MinIO shares the machine's
// cores with the server measured, as a remote S3 does not; tests keep
// S3's ETags.
func NoCompat(s *Server) { s.noCompat = true }

// Start runs a MinIO server for t and stops it when t ends. It installs
// the binary first when needed; with -short it skips t instead.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	bin := binary(t)
	tmp := t.TempDir()
	s := &Server{
		AccessKey: "test-" + randomHex(8),
		SecretKey: randomHex(20),
		Bucket:    "test-" + randomHex(6),
		Dir:       filepath.Join(tmp, "data"),
		bin:       bin,
		logPath:   filepath.Join(tmp, "minio.log"),
	}
	for _, o := range opts {
		o(s)
	}
	if err := os.Mkdir(s.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			s.dumpLog(t)
		}
	})
	var err error
	for try := 0; try < 3; try++ {
		// The free ports may be taken between choosing and binding them.
		s.addr, s.console = freeAddr(t), freeAddr(t)
		s.Endpoint = "http://" + s.addr
		if err = s.run(); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("minio: %v", err)
	}
	if err := s.createBucket(s.Bucket); err != nil {
		t.Fatalf("minio: creating bucket %s: %v", s.Bucket, err)
	}
	return s
}

// Stop stops the server (gracefully, then by force). It is safe to call
// more than once.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// Restart starts a stopped server again on the same address, with the
// same credentials and data.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	if err := s.run(); err != nil {
		t.Fatalf("minio: restart: %v", err)
	}
}

// run starts the server process and waits until it answers.
func (s *Server) run() error {
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	args := []string{"server", "--quiet", "--address", s.addr, "--console-address", s.console}
	if s.noCompat {
		args = append(args, "--no-compat")
	}
	cmd := exec.Command(s.bin, append(args, s.Dir)...)
	cmd.Env = append(withoutMinioEnv(os.Environ()),
		"MINIO_ROOT_USER="+s.AccessKey,
		"MINIO_ROOT_PASSWORD="+s.SecretKey,
		"MINIO_UPDATE=off",
		"MINIO_BROWSER=off",
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()

	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(90 * time.Second)
	for {
		select {
		case <-done:
			s.mu.Lock()
			s.cmd = nil
			s.mu.Unlock()
			return fmt.Errorf("server exited at start (%v); log:\n%s", cmd.ProcessState, s.tailLog(40))
		default:
		}
		resp, err := client.Get(s.Endpoint + "/minio/health/live")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			s.Stop()
			return fmt.Errorf("server did not answer on %s within 90s; log:\n%s", s.addr, s.tailLog(40))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// createBucket creates a bucket, retrying while the server finishes
// starting.
func (s *Server) createBucket(name string) error {
	client := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
	})
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err = client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
		cancel()
		if err == nil {
			return nil
		}
	}
	return err
}

// CreateBucket creates another bucket on the server.
func (s *Server) CreateBucket(t testing.TB, name string) {
	t.Helper()
	if err := s.createBucket(name); err != nil {
		t.Fatalf("minio: creating bucket %s: %v", name, err)
	}
}

func (s *Server) tailLog(lines int) string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

func (s *Server) dumpLog(t testing.TB) {
	t.Logf("minio log (%s):\n%s", s.addr, s.tailLog(200))
}

func withoutMinioEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "MINIO_") {
			out = append(out, kv)
		}
	}
	return out
}

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Binary returns the path of the MinIO server binary, installing it
// first when it is missing or of another version. With -short it skips t
// rather than install.
func Binary(t testing.TB) string {
	t.Helper()
	return binary(t)
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func binary(t testing.TB) string {
	t.Helper()
	root, err := RepoRoot()
	if err != nil {
		t.Fatalf("minio: %v", err)
	}
	path := filepath.Join(root, "bin", "minio")
	if current(path) {
		return path
	}
	if testing.Short() {
		t.Skipf("minio: %s is not installed; skipped in -short mode", path)
	}
	binOnce.Do(func() { binPath, binErr = install(t, root) })
	if binErr != nil {
		t.Fatalf("minio: %v", binErr)
	}
	return binPath
}

// current reports whether path is a MinIO binary built from Version.
func current(path string) bool {
	info, err := buildinfo.ReadFile(path)
	return err == nil && info.Main.Path == Module && info.Main.Version == Version
}

// install runs `go install` under the lock file, unless another process
// installed the binary while this one waited for the lock.
func install(t testing.TB, root string) (string, error) {
	binDir := filepath.Join(root, "bin")
	path := filepath.Join(binDir, "minio")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(binDir, ".minio.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Logf("minio: another process is installing %s; waiting for it", path)
		if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
			return "", fmt.Errorf("locking %s: %w", lock.Name(), err)
		}
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if current(path) {
		return path, nil
	}

	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	if dt, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if d, ok := dt.Deadline(); ok && time.Until(d) < 20*time.Minute {
			t.Logf("minio: the test deadline is %v away and the install may take longer; "+
				"if the test times out, the install goes on and the next run uses it "+
				"(or install ahead with: GOBIN=%s go install %s@%s)", time.Until(d).Round(time.Second), binDir, Module, Version)
		}
	}
	t.Logf("minio: installing %s@%s into %s (about 10 minutes the first time)", Module, Version, binDir)
	ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "install", Module+"@"+Version)
	cmd.Dir = binDir
	cmd.Env = append(os.Environ(), "GOBIN="+binDir, "GOFLAGS=", "GOWORK=off", "CGO_ENABLED=0")
	// The output goes to a file and the child inherits the locked file:
	// if this process dies (a test timeout), the install runs on to its
	// end, holding the lock, and the next test process waits for it
	// rather than starting over.
	logPath := filepath.Join(binDir, ".minio-install.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return "", err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.ExtraFiles = []*os.File{lock}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return "", err
	}
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case err := <-waitErr:
			if err != nil {
				out, _ := os.ReadFile(logPath)
				return "", fmt.Errorf("go install %s@%s: %v\n%s", Module, Version, err, lastLines(string(out), 60))
			}
			if !current(path) {
				return "", fmt.Errorf("go install %s@%s succeeded but %s is not that version", Module, Version, path)
			}
			t.Logf("minio: installed in %v", time.Since(start).Round(time.Second))
			return path, nil
		case <-tick.C:
			t.Logf("minio: still installing, %v so far", time.Since(start).Round(time.Second))
		}
	}
}

func lastLines(s string, n int) string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// RepoRoot returns the directory of the nearest go.mod at or above the
// working directory (a test's working directory is its package's).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
