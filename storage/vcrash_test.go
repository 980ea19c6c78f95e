package storage

import (
	"bufio"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akidb/akidb/types"
)

// crashDirEnv names the store a crash test child writes to.
const crashDirEnv = "AKIDB_VECTOR_CRASH_DIR"

// TestVectorCrashChild is the child of TestVectorIndexSurvivesKill: it
// writes to the store until it is killed, printing "i <id>" after the
// commit of an insert returned and "D <id>" before / "d <id>" after a
// delete's commit.
func TestVectorCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run by TestVectorIndexSurvivesKill")
	}
	// Checkpoint often, so kills also land in and around checkpoints and
	// log truncations.
	ckptMinChanges, ckptMaxChanges = 20, 100
	base, _ := strconv.ParseInt(os.Getenv(crashDirEnv+"_BASE"), 10, 64)
	db, err := Open(dir, quietOptions())
	if err != nil {
		fmt.Println("E", err)
		os.Exit(3)
	}
	td := docsDesc(t, db)
	var out sync.Mutex
	say := func(format string, args ...any) {
		out.Lock()
		fmt.Fprintf(os.Stdout, format+"\n", args...)
		out.Unlock()
	}
	var wg sync.WaitGroup
	for w := range int64(2) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewSource(time.Now().UnixNano() + w))
			var mine []int64
			next := base + w
			for {
				tx := db.Begin()
				var ins []int64
				for range 1 + r.Intn(3) {
					if err := tx.Insert(td, docRow(next, next%4, randVec(r, 8))); err != nil {
						say("E %v", err)
						os.Exit(3)
					}
					ins = append(ins, next)
					next += 2
				}
				var del int64 = -1
				if len(mine) > 0 && r.Intn(4) == 0 {
					i := r.Intn(len(mine))
					del = mine[i]
					mine = append(mine[:i], mine[i+1:]...)
					old, key, ok, err := tx.Get(td, []types.Datum{types.NewInt(del)})
					if err != nil || !ok {
						say("E get %d: %v %v", del, ok, err)
						os.Exit(3)
					}
					if err := tx.Delete(td, key, old); err != nil {
						say("E %v", err)
						os.Exit(3)
					}
				} else if len(mine) > 0 && r.Intn(3) == 0 {
					id := mine[r.Intn(len(mine))]
					old, key, ok, err := tx.Get(td, []types.Datum{types.NewInt(id)})
					if err != nil || !ok {
						say("E get %d: %v %v", id, ok, err)
						os.Exit(3)
					}
					if err := tx.Update(td, key, old, docRow(id, id%4, randVec(r, 8))); err != nil {
						say("E %v", err)
						os.Exit(3)
					}
				}
				if del >= 0 {
					say("D %d", del)
				}
				if err := tx.Commit(); err != nil {
					say("E commit: %v", err)
					os.Exit(3)
				}
				for _, id := range ins {
					say("i %d", id)
				}
				if del >= 0 {
					say("d %d", del)
				}
				mine = append(mine, ins...)
			}
		}()
	}
	wg.Wait()
}

// TestVectorIndexSurvivesKill kills a writing child process at a random
// moment and checks that every committed row is there, in the graph, and
// found by a search for its own vector, and that the index agrees with an
// exact scan.
func TestVectorIndexSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	db := openVecTest(t, dir)
	td := createDocs(t, db, 8)
	r := rand.New(rand.NewSource(7))
	tx := db.Begin()
	for i := range int64(200) {
		insertAll(t, tx, td, docRow(i, i%4, randVec(r, 8)))
	}
	mustCommit(t, tx)
	td, idx := createHNSW(t, db, td, "vector_l2_ops")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	kr := rand.New(rand.NewSource(seed))
	inserted := map[int64]bool{}
	deleting := map[int64]bool{}
	deleted := map[int64]bool{}
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestVectorCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, fmt.Sprintf("%s_BASE=%d", crashDirEnv, 1000+round*1_000_000))
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan []string)
		firstCommit := make(chan struct{})
		go func() {
			var ls []string
			sc := bufio.NewScanner(stdout)
			committed := false
			for sc.Scan() {
				ls = append(ls, sc.Text())
				if !committed && strings.HasPrefix(sc.Text(), "i ") {
					committed = true
					close(firstCommit)
				}
			}
			lines <- ls
		}()
		// Kill at a random moment after the child's first commit: on a
		// loaded machine opening the store alone can take longer than any
		// fixed delay.
		select {
		case <-firstCommit:
		case <-time.After(2 * time.Minute):
		}
		time.Sleep(time.Duration(kr.Intn(1200)) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		ls := <-lines
		cmd.Wait()
		n := 0
		for _, l := range ls {
			op, arg, ok := strings.Cut(l, " ")
			id, err := strconv.ParseInt(arg, 10, 64)
			if !ok || err != nil {
				continue // a line cut by the kill
			}
			switch op {
			case "E":
				t.Fatalf("child failed: %s", l)
			case "i":
				inserted[id] = true
				n++
			case "D":
				deleting[id] = true
			case "d":
				deleted[id] = true
			}
		}
		if n == 0 {
			t.Fatalf("round %d: the child committed nothing: %q", round, ls)
		}

		if d := os.Getenv("AKIDB_KEEP_CRASH"); d != "" {
			os.RemoveAll(d)
			exec.Command("cp", "-a", dir, d).Run()
		}
		db = openVecTest(t, dir)
		t.Logf("round %d: %d inserts committed; open: %+v", round, n, db.vecOpen)
		if db.vecOpen.loaded+db.vecOpen.rebuilt != 1 {
			t.Fatalf("open: %+v", db.vecOpen)
		}
		checkGraphMatchesRows(t, db, td, idx)
		tx := db.Begin()
		present := map[int64]bool{}
		g := db.vindexes()[idx.ID].g
		unreached := 0
		rows := collect(t, tx.Scan(td, Span{}))
		for _, row := range rows {
			id := row[0].I
			present[id] = true
			// A search for the row's own vector finds it first.
			v := row[2].P.([]float32)
			got := search(t, tx, td, idx, v, 1, 64, nil)
			if len(got) == 1 && got[0].id == id && got[0].dist < 1e-6 {
				continue
			}
			// The graph holds the vector (checked above) but the search
			// did not reach it: HNSW can leave a node no other node links
			// to. A search that accepts only this row must still find it.
			unreached++
			got = search(t, tx, td, idx, v, 1, 64, func(r types.Row) bool { return r[0].I == id })
			if len(got) != 1 || got[0].id != id || got[0].dist > 1e-6 {
				t.Fatalf("row %d: search for its own vector gave %v", id, got)
			}
		}
		if unreached > 0 {
			t.Logf("round %d: %d of %d rows not reached by an unfiltered search for their own vector (graph of %d)", round, unreached, len(rows), g.Len())
		}
		if unreached > len(rows)/100 {
			t.Fatalf("round %d: %d of %d rows unreachable", round, unreached, len(rows))
		}
		for id := range inserted {
			if !present[id] && !deleting[id] {
				t.Fatalf("committed row %d lost", id)
			}
		}
		for id := range deleted {
			if present[id] {
				t.Fatalf("deleted row %d is back", id)
			}
		}
		tx.Rollback()
		checkAgainstBruteForce(t, db, td, idx, kr, 10, 10, nil)
		if round < 2 {
			closeWithoutCheckpoint(t, db)
		} else if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
