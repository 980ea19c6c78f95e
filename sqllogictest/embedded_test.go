package sqllogictest_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/akidb/akidb/server"
	"github.com/akidb/akidb/sqllogictest"
)

// runEmbedded runs file against a fresh embedded AkiDB with its own data
// directory.
func runEmbedded(t *testing.T, file string, proto sqllogictest.Protocol) {
	t.Helper()
	srv, err := server.StartEmbedded(t.TempDir(), server.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close embedded server: %v", err)
		}
	}()
	if srv.Addr() == "" {
		t.Fatal("embedded server reports no address")
	}
	ctx := context.Background()
	h, err := sqllogictest.ConnectPGX(ctx, sqllogictest.ConnString(srv.Addr(), "postgres", sqllogictest.DatabaseName(file)), proto)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(ctx)
	runAndReport(t, h, file)
}

// TestTestdata runs every testdata/*.slt file against the embedded server,
// over the simple and the extended protocol.
func TestTestdata(t *testing.T) {
	for _, proto := range []sqllogictest.Protocol{sqllogictest.Simple, sqllogictest.Extended} {
		t.Run(string(proto), func(t *testing.T) {
			for _, file := range ownFiles(t) {
				t.Run(filepath.Base(file), func(t *testing.T) {
					t.Parallel()
					runEmbedded(t, file, proto)
				})
			}
		})
	}
}

// TestSQLiteCorpus runs select1.test and select2.test from the shared
// corpus against the embedded server.
func TestSQLiteCorpus(t *testing.T) {
	dir, ok := sharedDir(t)
	if !ok {
		t.Skipf("corpus directory %s not found (set AKIDB_SLT_DIR): corpus files %v skipped", dir, corpusFiles)
	}
	for _, name := range corpusFiles {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runEmbedded(t, filepath.Join(dir, name), sqllogictest.Simple)
		})
	}
}
