package sqllogictest_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/akidb/akidb/sqllogictest"
)

// repoRoot walks up from the package directory to the directory with go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// sharedDir is the directory of the shared corpus files: $AKIDB_SLT_DIR,
// else ../shared/slt next to the repository. ok is false when it does not
// exist.
func sharedDir(t *testing.T) (dir string, ok bool) {
	dir = os.Getenv("AKIDB_SLT_DIR")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), "..", "shared", "slt")
	}
	st, err := os.Stat(dir)
	return dir, err == nil && st.IsDir()
}

// ownFiles are AkiDB's own files, testdata/*.slt.
func ownFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot(t), "testdata", "*.slt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/*.slt files")
	}
	return files
}

// corpusFiles are the SQLite corpus files every engine must pass.
var corpusFiles = []string{"select1.test", "select2.test"}

// recordTimeout bounds each record, so a hung statement fails its file
// instead of the whole test binary.
const recordTimeout = time.Minute

// runAndReport runs one file through h and fails t on any mismatch.
func runAndReport(t *testing.T, h sqllogictest.Harness, file string) {
	t.Helper()
	r := sqllogictest.Runner{Harness: h, Timeout: recordTimeout, MaxMismatches: 10}
	res, err := r.RunFile(context.Background(), file)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d passed, %d failed, %d skipped", filepath.Base(file), res.Passed, res.Failed, res.Skipped)
	for _, m := range res.Mismatches {
		t.Error(m.String())
	}
	if res.Failed > len(res.Mismatches) {
		t.Errorf("... and %d more failures", res.Failed-len(res.Mismatches))
	}
	if res.Passed == 0 {
		t.Error("no record passed")
	}
}
