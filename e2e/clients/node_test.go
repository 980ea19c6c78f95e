package clients

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// jsDir is the node project with the Node.js client-library tests.
const jsDir = "../js"

// stampFile, inside node_modules, holds the hash of the package-lock.json
// the packages were installed from.
const stampFile = ".akidb-lock-sha256"

// TestNodeClients runs the Node.js client-library tests in ../js (pg +
// pgvector-node, LangChain JS's PGVectorStore, Drizzle ORM) with
// `node --test` against an embedded AkiDB. It installs the pinned
// packages with `npm ci` first when node_modules is missing or was
// installed from another package-lock.json.
func TestNodeClients(t *testing.T) {
	node, nerr := exec.LookPath("node")
	npm, perr := exec.LookPath("npm")
	if nerr != nil || perr != nil {
		t.Skip("node and npm are not installed: skipping the Node.js client-library tests (pg, pgvector, LangChain, Drizzle); install Node.js 20+ to run them")
	}
	dir, err := filepath.Abs(jsDir)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(node, "-e", "process.exit(Number(process.versions.node.split('.')[0]) >= 20 ? 0 : 1)").CombinedOutput(); err != nil {
		t.Skipf("Node.js 20 or newer is needed for the Node.js client-library tests (%v %s)", err, out)
	}
	npmInstall(t, npm, dir)

	addr := testAddr(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.test.js"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files in %s (%v)", dir, err)
	}
	for i, f := range files {
		files[i] = filepath.Base(f)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// --test-force-exit: a library that leaves a connection open after a
	// failure must not keep a test file's process alive;
	// --test-timeout: one stuck test fails instead of hanging the run.
	args := append([]string{"--test", "--test-reporter=spec", "--test-force-exit", "--test-timeout=60000"}, files...)
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "AKIDB_ADDR="+addr, "NO_COLOR=1", "FORCE_COLOR=0")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	start := time.Now()
	err = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("node --test did not finish in time:\n%s", out.String())
	}
	if err != nil {
		t.Fatalf("node --test %s failed (%v):\n%s", strings.Join(files, " "), err, out.String())
	}
	t.Logf("node --test passed in %v:\n%s", time.Since(start).Round(time.Millisecond), out.String())
}

// npmInstall runs `npm ci` in dir unless node_modules was installed from the
// current package-lock.json.
func npmInstall(t *testing.T, npm, dir string) {
	t.Helper()
	lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		t.Fatalf("read package-lock.json: %v", err)
	}
	sum := sha256.Sum256(lock)
	want := hex.EncodeToString(sum[:])
	stamp := filepath.Join(dir, "node_modules", stampFile)
	if got, err := os.ReadFile(stamp); err == nil && strings.TrimSpace(string(got)) == want {
		return
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("npm ci in %s failed (%v); the Node.js client-library tests need the npm registry once:\n%s", dir, err, out)
	}
	if err := os.WriteFile(stamp, []byte(want+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("npm ci installed the Node.js test packages in %v", time.Since(start).Round(time.Second))
}
