package snapshot

import (
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/akidb/akidb/types"
)

// TestSizeAgainstJSON compares the data file of 10k rows (a bigint id, a
// text body, a 512-d embedding clustered the way real embeddings are)
// with the same rows as JSON lines. The project's target is a snapshot of
// at most 0.4x the JSON.
func TestSizeAgainstJSON(t *testing.T) {
	const n, dim = 10_000, 512
	vecs := clusteredVectors(11, n, dim)
	rng := rand.New(rand.NewPCG(11, 12))
	cols := []Column{
		{Name: "id", Type: types.Int8, NotNull: true},
		{Name: "body", Type: types.Text},
		{Name: "embedding", Type: types.T{OID: types.VectorOID, Mod: dim}},
	}
	rows := make([][]types.Datum, n)
	var jsonBytes, vecJSON int
	var line []byte
	for i := range rows {
		body := sentence(rng, 50+rng.IntN(250))
		rows[i] = []types.Datum{types.NewInt(int64(i + 1)), types.NewString(body), types.NewVector(vecs[i])}

		line = append(line[:0], `{"id":`...)
		line = strconv.AppendInt(line, int64(i+1), 10)
		line = append(line, `,"body":`...)
		b, _ := json.Marshal(body)
		line = append(line, b...)
		line = append(line, `,"embedding":[`...)
		start := len(line)
		for j, x := range vecs[i] {
			if j > 0 {
				line = append(line, ',')
			}
			line = strconv.AppendFloat(line, float64(x), 'g', -1, 32)
		}
		vecJSON += len(line) - start
		line = append(line, "]}\n"...)
		jsonBytes += len(line)
	}
	defer func(old bool) { vectorEncodingBSS = old }(vectorEncodingBSS)
	dir := t.TempDir()
	sizes := map[bool]int64{}
	for _, bss := range []bool{false, true} {
		vectorEncodingBSS = bss
		path := filepath.Join(dir, "data.parquet")
		info := writeRows(t, path, cols, rows)
		sizes[bss] = info.Bytes
		checkRows(t, cols, rows, readRows(t, path, cols))
	}
	t.Logf("JSON lines: %d bytes (%d of them the embeddings' text, %.2f bytes a dimension); raw float32 vectors: %d bytes",
		jsonBytes, vecJSON, float64(vecJSON)/(n*dim), n*dim*4)
	for _, bss := range []bool{false, true} {
		enc := "PLAIN"
		if bss {
			enc = "BYTE_STREAM_SPLIT"
		}
		chosen := ""
		if bss == vectorEncodingBSS {
			chosen = " (the default)"
		}
		t.Logf("Parquet, zstd, vector FIXED_LEN_BYTE_ARRAY %s%s: %d bytes = %.3fx the JSON, %.3fx the raw vectors",
			enc, chosen, sizes[bss], float64(sizes[bss])/float64(jsonBytes), float64(sizes[bss])/(n*dim*4))
	}
	if r := float64(sizes[vectorEncodingBSS]) / float64(jsonBytes); r > 0.4 {
		t.Errorf("snapshot is %.3fx the JSON, the target is at most 0.4x", r)
	}
}
