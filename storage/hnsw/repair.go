package hnsw

// maybeRepair is a stub until repair lands.
func (x *Index) maybeRepair() {}
