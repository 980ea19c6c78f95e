package tiercrash

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	rows = 3000
	dims = 64
)

// logRecall reports how the server's top-10 answers compare with the
// exact ones (for information: the tests compare answers before and after
// a crash, not with the exact ones).
func logRecall(t *testing.T, d *dataset, got [][]string) {
	t.Helper()
	exact := d.exactTopK()
	hit, all := 0, 0
	for i := range exact {
		in := map[string]bool{}
		for _, id := range exact[i] {
			in[id] = true
		}
		for _, id := range got[i] {
			if in[id] {
				hit++
			}
		}
		all += len(exact[i])
	}
	t.Logf("%s: top-10 recall %d/%d", d.name, hit, all)
}

func expectTier(t *testing.T, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if got == w {
			return
		}
	}
	t.Fatalf("tier %s, want %s", got, strings.Join(want, " or "))
}

// A crash while ALTER COLLECTION ... SET TIER COLD uploads the snapshot:
// before the manifest is up the move is rolled back (the collection stays
// HOT, the partial upload is deleted, and a second move works); once it is
// up the move is completed (COLD, one snapshot, restored by a query).
// Either way every committed row is there.
func TestCrashDuringColdUpload(t *testing.T) {
	for _, cp := range []string{"before_upload", "mid_upload", "after_upload"} {
		t.Run(cp, func(t *testing.T) {
			c := newCluster(t)
			d := newDataset("docs", rows, dims, 1)
			p := c.start("AKIDB_CRASHPOINT=" + cp)
			conn := c.connect(p)
			d.create(t, conn)
			before := d.verify(t, conn, nil)
			logRecall(t, d, before)

			c.crash(p, conn, "ALTER COLLECTION docs SET TIER COLD")
			c.checkBucketAfterCrash(cp)
			p = c.start()
			conn = c.connect(p)
			c.checkTmp()

			if cp == "after_upload" {
				expectTier(t, tier(t, conn, "docs"), "COLD")
				if s := snapshotsOf(t, conn, "docs"); len(s) != 1 {
					t.Fatalf("snapshots after recovery: %v, want one", s)
				}
				if n := c.checkBucket(); n != 1 {
					t.Fatalf("%d snapshots in the bucket, want 1", n)
				}
				d.verify(t, conn, before) // the first query restores it
				expectTier(t, tier(t, conn, "docs"), "WARM")
			} else {
				expectTier(t, tier(t, conn, "docs"), "HOT")
				if s := snapshotsOf(t, conn, "docs"); len(s) != 0 {
					t.Fatalf("snapshots after recovery: %v, want none", s)
				}
				if n := c.checkBucket(); n != 0 {
					t.Fatalf("%d snapshots in the bucket, want none", n)
				}
				d.verify(t, conn, before)
				// No intent is left over: the move runs again cleanly.
				mustExec(t, conn, "ALTER COLLECTION docs SET TIER COLD")
				expectTier(t, tier(t, conn, "docs"), "COLD")
				if s := snapshotsOf(t, conn, "docs"); len(s) != 1 {
					t.Fatalf("snapshots after a second move: %v, want one", s)
				}
				if n := c.checkBucket(); n != 1 {
					t.Fatalf("%d snapshots in the bucket after a second move, want 1", n)
				}
				d.verify(t, conn, before)
				expectTier(t, tier(t, conn, "docs"), "WARM")
			}
			c.checkTmp()
			c.stop(p)
		})
	}
}

// A crash in the middle of HOT -> WARM (the graph file written, the index
// still in RAM) leaves the collection HOT or WARM, with every row and the
// same search answers; the move can then be made.
func TestCrashDuringDemotion(t *testing.T) {
	c := newCluster(t)
	d := newDataset("docs", rows, dims, 2)
	p := c.start("AKIDB_CRASHPOINT=mid_demote")
	conn := c.connect(p)
	d.create(t, conn)
	before := d.verify(t, conn, nil)
	logRecall(t, d, before)

	c.crash(p, conn, "ALTER COLLECTION docs SET TIER WARM")
	p = c.start()
	conn = c.connect(p)
	c.checkTmp()
	got := tier(t, conn, "docs")
	expectTier(t, got, "HOT", "WARM")
	t.Logf("after recovery the collection is %s", got)
	if got == "HOT" {
		// The move was rolled back: its graph file is gone too.
		if warm, _ := filepath.Glob(filepath.Join(c.data, "vindex", "*.warm")); len(warm) > 0 {
			t.Errorf("HOT after recovery, but the WARM graph file of the interrupted move is left: %v", warm)
		}
	}
	d.verify(t, conn, before)

	mustExec(t, conn, "ALTER COLLECTION docs SET TIER WARM")
	expectTier(t, tier(t, conn, "docs"), "WARM")
	d.verify(t, conn, before)
	// And WARM survives a clean restart.
	c.stop(p)
	p = c.start()
	conn = c.connect(p)
	expectTier(t, tier(t, conn, "docs"), "WARM")
	d.verify(t, conn, before)
	if n := c.checkBucket(); n != 0 {
		t.Errorf("%d snapshots in the bucket, want none", n)
	}
	c.checkTmp()
	c.stop(p)
}

// A crash after a move to COLD dropped the local rows but before it
// recorded the tier: recovery completes the move, and a query brings every
// row back.
func TestCrashAfterDropLocal(t *testing.T) {
	c := newCluster(t)
	d := newDataset("docs", rows, dims, 3)
	p := c.start("AKIDB_CRASHPOINT=after_drop_local")
	conn := c.connect(p)
	d.create(t, conn)
	before := d.verify(t, conn, nil)

	c.crash(p, conn, "ALTER COLLECTION docs SET TIER COLD")
	c.checkBucketAfterCrash("after_drop_local")
	p = c.start()
	conn = c.connect(p)
	c.checkTmp()
	expectTier(t, tier(t, conn, "docs"), "COLD")
	if s := snapshotsOf(t, conn, "docs"); len(s) != 1 {
		t.Fatalf("snapshots after recovery: %v, want one", s)
	}
	if n := c.checkBucket(); n != 1 {
		t.Fatalf("%d snapshots in the bucket, want 1", n)
	}
	d.verify(t, conn, before)
	expectTier(t, tier(t, conn, "docs"), "WARM")
	c.checkTmp()
	c.stop(p)
}

// A crash while a query brings a COLD collection back, before the rows'
// sstables are ingested or after the rows and graph are in: after restart
// the collection is still COLD (or WARM), no restore files are left, and
// a query returns every row.
func TestCrashDuringRestore(t *testing.T) {
	for _, cp := range []string{"before_ingest", "mid_restore"} {
		t.Run(cp, func(t *testing.T) {
			c := newCluster(t)
			d := newDataset("docs", rows, dims, 4)
			p := c.start()
			conn := c.connect(p)
			d.create(t, conn)
			before := d.verify(t, conn, nil)
			mustExec(t, conn, "ALTER COLLECTION docs SET TIER COLD")
			expectTier(t, tier(t, conn, "docs"), "COLD")
			c.stop(p)

			p = c.start("AKIDB_CRASHPOINT=" + cp)
			conn = c.connect(p)
			expectTier(t, tier(t, conn, "docs"), "COLD")
			c.crash(p, conn, "SELECT count(*) FROM docs")

			p = c.start()
			conn = c.connect(p)
			c.checkTmp()
			c.checkIngestTmp()
			got := tier(t, conn, "docs")
			expectTier(t, got, "COLD", "WARM")
			t.Logf("after recovery the collection is %s", got)
			if n := c.checkBucket(); n != 1 {
				t.Fatalf("%d snapshots in the bucket, want 1", n)
			}
			d.verify(t, conn, before)
			expectTier(t, tier(t, conn, "docs"), "WARM")
			c.checkTmp()
			c.checkIngestTmp()
			c.stop(p)
		})
	}
}

// A crash in the middle of a worker cycle: after restart the next cycles
// finish the job (every eligible collection reaches WARM) and every row is
// there.
func TestCrashDuringWorkerCycle(t *testing.T) {
	c := newCluster(t)
	var ds []*dataset
	for i := range 3 {
		ds = append(ds, newDataset(fmt.Sprintf("docs%d", i+1), rows/2, dims, uint64(10+i)))
	}
	// Load with the default worker interval (a minute), so that nothing
	// moves yet.
	p := c.start()
	conn := c.connect(p)
	befores := make([][][]string, len(ds))
	for i, d := range ds {
		d.create(t, conn)
		befores[i] = d.verify(t, conn, nil)
	}
	for _, d := range ds {
		mustExec(t, conn, fmt.Sprintf("ALTER COLLECTION %s SET (hot_ttl = '1s', promote_after = 1000)", d.name))
	}
	for _, d := range ds {
		expectTier(t, tier(t, conn, d.name), "HOT")
	}
	c.stop(p)

	p = c.start("AKIDB_CRASHPOINT=mid_cycle", "AKIDB_TIERING_INTERVAL=300ms")
	c.waitKilled(p)

	// The crash came in the middle of the cycle: one move done, and with
	// two moves at a time the third collection not yet started. Look with
	// the worker idle.
	p = c.start("AKIDB_TIERING_INTERVAL=1h")
	conn = c.connect(p)
	tiers := map[string]int{}
	for _, d := range ds {
		got := tier(t, conn, d.name)
		expectTier(t, got, "HOT", "WARM")
		tiers[got]++
	}
	t.Logf("after the crash: %v", tiers)
	if tiers["WARM"] == 0 || tiers["HOT"] == 0 {
		t.Errorf("after the crash: %v; want some collections moved and some not", tiers)
	}
	c.stop(p)

	p = c.start("AKIDB_TIERING_INTERVAL=300ms")
	conn = c.connect(p)
	start := time.Now()
	for _, d := range ds {
		waitTier(t, conn, d.name, 20*time.Second, "WARM")
	}
	t.Logf("every collection WARM %v after the restart", time.Since(start).Round(time.Millisecond))
	for i, d := range ds {
		d.verify(t, conn, befores[i])
	}
	if n := c.checkBucket(); n != 0 {
		t.Errorf("%d snapshots in the bucket, want none", n)
	}
	c.checkTmp()
	c.stop(p)
}

// A crash during CREATE SNAPSHOT leaves a whole snapshot or none, no
// orphaned objects, and the collection as it was.
func TestCrashDuringCreateSnapshot(t *testing.T) {
	for _, cp := range []string{"before_upload", "mid_upload", "after_upload"} {
		t.Run(cp, func(t *testing.T) {
			c := newCluster(t)
			d := newDataset("docs", rows, dims, 5)
			p := c.start("AKIDB_CRASHPOINT=" + cp)
			conn := c.connect(p)
			d.create(t, conn)
			before := d.verify(t, conn, nil)

			c.crash(p, conn, "CREATE SNAPSHOT FOR COLLECTION docs")
			c.checkBucketAfterCrash(cp)
			p = c.start()
			conn = c.connect(p)
			c.checkTmp()
			expectTier(t, tier(t, conn, "docs"), "HOT")
			snaps := snapshotsOf(t, conn, "docs")
			want := 0
			if cp == "after_upload" {
				want = 1
			}
			if len(snaps) != want {
				t.Fatalf("snapshots after recovery: %v, want %d", snaps, want)
			}
			if n := c.checkBucket(); n != want {
				t.Fatalf("%d snapshots in the bucket, want %d", n, want)
			}
			d.verify(t, conn, before)
			if want == 1 {
				// The snapshot is whole: the collection can be restored
				// from it.
				mustExec(t, conn, fmt.Sprintf("RESTORE COLLECTION docs FROM SNAPSHOT '%s'", snaps[0]))
				expectTier(t, tier(t, conn, "docs"), "WARM")
				d.verify(t, conn, before)
			}
			// No intent is left over: another snapshot is taken cleanly.
			mustExec(t, conn, "CREATE SNAPSHOT FOR COLLECTION docs")
			if s := snapshotsOf(t, conn, "docs"); len(s) != want+1 {
				t.Fatalf("snapshots after another CREATE SNAPSHOT: %v, want %d", s, want+1)
			}
			if n := c.checkBucket(); n != want+1 {
				t.Fatalf("%d snapshots in the bucket, want %d", n, want+1)
			}
			c.checkTmp()
			c.stop(p)
		})
	}
}
