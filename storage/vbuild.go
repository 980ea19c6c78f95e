package storage

import (
	"time"
)

// buildVectorIndex builds the graph of a new hnsw index from the rows the
// transaction sees, giving each indexed row a label. The graph is the
// transaction's until it commits, when it becomes the committed index:
// CreateIndex's conflict check guarantees that no other commit wrote the
// table in between, so the graph then holds exactly the committed rows.
func (t *Txn) buildVectorIndex(td *TableDesc, idx *IndexDesc) (err error) {
	v, err := newVindex(td.ID, idx)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			v.retire() // free the partial graph
		}
	}()
	start := time.Now()
	log := t.db.log
	log.Info("storage: building hnsw index", "index", idx.Name, "table", td.Name,
		"dims", idx.Dims, "m", idx.M, "ef_construction", idx.EfConstruction)
	b := newGraphBuilder(v)
	defer b.close()
	it := t.Scan(td, Span{})
	defer it.Close()
	rows := 0
	for it.Next() {
		rows++
		vec, ok, err := indexedVector(td, idx, it.Row())
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		label, err := t.db.nextLabel()
		if err != nil {
			return err
		}
		if err := t.setLabel(td.ID, idx.ID, label, it.Key()); err != nil {
			return err
		}
		if err := b.add(label, vec); err != nil {
			return err
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	if err := b.finish(); err != nil {
		return err
	}
	t.vecState().built[idx.ID] = v
	log.Info("storage: built hnsw index", "index", idx.Name, "rows", rows, "vectors", v.g.Len(),
		"seconds", time.Since(start).Seconds())
	// Give the decoded rows' memory back now rather than when the
	// runtime's scavenger gets to it (the graph's own arrays are off the
	// heap and freed as they grow).
	freeOSMemory()
	return nil
}

// createEmptyVectorIndex makes the graph of an hnsw index created with its
// table.
func (t *Txn) createEmptyVectorIndex(td *TableDesc, idx *IndexDesc) error {
	v, err := newVindex(td.ID, idx)
	if err != nil {
		return err
	}
	t.vecState().built[idx.ID] = v
	return nil
}
