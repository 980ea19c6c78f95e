package hnsw

import (
	"bufio"
	"os"
	"testing"
)

func TestDbgInlinks(t *testing.T) {
	f, err := os.Open("/tmp/crashdir/vindex/16385.hnsw")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	x, _, err := Read(bufio.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	n := int(x.nodes.Load())
	free := map[uint32]bool{}
	for _, id := range x.free {
		free[id] = true
	}
	t.Logf("nodes %d free %d dead %d len %d", n, len(x.free), x.nDead, x.Len())
	for _, label := range []uint64{13, 14, 17} {
		id := x.byLabel[label]
		in, inLive := 0, 0
		for s := uint32(0); int(s) < n; s++ {
			lst := x.list(s, 0)
			for i := 1; i <= int(lst[0]); i++ {
				if lst[i] == id {
					in++
					if !x.isDead(s) {
						inLive++
					}
				}
			}
		}
		lst := x.list(id, 0)
		out := []uint32{}
		for i := 1; i <= int(lst[0]); i++ {
			out = append(out, lst[i])
		}
		t.Logf("label %d slot %d level %d dead %v free %v: in-links %d (live %d), out %v", label, id, x.levels[id], x.isDead(id), free[id], in, inLive, out)
		for _, o := range out {
			t.Logf("   out %d: label %d dead %v free %v", o, x.labels[o], x.isDead(o), free[o])
		}
	}
}
