package hnsw

// item is a node and its internal distance to the query.
type item struct {
	d  float32
	id uint32
}

// minHeap keeps the smallest distance at [0].
type minHeap []item

func (h *minHeap) push(it item) {
	s := append(*h, it)
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p].d <= it.d {
			break
		}
		s[i] = s[p]
		i = p
	}
	s[i] = it
	*h = s
}

func (h *minHeap) pop() item {
	s := *h
	top := s[0]
	n := len(s) - 1
	last := s[n]
	s = s[:n]
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && s[c+1].d < s[c].d {
			c++
		}
		if last.d <= s[c].d {
			break
		}
		s[i] = s[c]
		i = c
	}
	if n > 0 {
		s[i] = last
	}
	*h = s
	return top
}

// maxHeap keeps the largest distance at [0].
type maxHeap []item

func (h *maxHeap) push(it item) {
	s := append(*h, it)
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p].d >= it.d {
			break
		}
		s[i] = s[p]
		i = p
	}
	s[i] = it
	*h = s
}

func (h *maxHeap) pop() item {
	s := *h
	top := s[0]
	n := len(s) - 1
	last := s[n]
	s = s[:n]
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && s[c+1].d > s[c].d {
			c++
		}
		if last.d >= s[c].d {
			break
		}
		s[i] = s[c]
		i = c
	}
	if n > 0 {
		s[i] = last
	}
	*h = s
	return top
}

// visited is a set of node ids cleared in O(1) by bumping a generation.
type visited struct {
	gen   uint32
	marks []uint32
}

// reset empties the set and makes room for n ids.
func (v *visited) reset(n int) {
	if len(v.marks) < n {
		v.marks = make([]uint32, n+n/4)
		v.gen = 0
	}
	v.gen++
	if v.gen == 0 {
		clear(v.marks)
		v.gen = 1
	}
}

// has reports whether id is marked.
func (v *visited) has(id uint32) bool { return v.marks[id] == v.gen }

// visit marks id and reports whether it was unmarked.
func (v *visited) visit(id uint32) bool {
	if v.marks[id] == v.gen {
		return false
	}
	v.marks[id] = v.gen
	return true
}

// searcher is the pooled scratch state of one search or insert.
type searcher struct {
	vis       visited
	cand      minHeap
	top       maxHeap
	res       maxHeap
	discarded []item
	sorted    []item
	eps       []item
	links     [maxLevel + 1][]item // chosen neighbours per level
	cands     []item
	dead      []item
	sel       []item
	pruned    []item
	pruned0   []bool
	nbrs      []uint32
	orphans   []uint32
	q         []float32
	// Decoded stored vectors, one per role, for distances between two
	// slots: the list's node (nv), the node joining it (qv), the
	// candidate being judged (cv), an orphan (ov).
	nv, qv, cv, ov []float32
}

func (x *Index) getSearcher() *searcher {
	if s, ok := x.pool.Get().(*searcher); ok {
		return s
	}
	b := make([]float32, 5*x.dim)
	d := x.dim
	return &searcher{q: b[:d:d], nv: b[d : 2*d : 2*d], qv: b[2*d : 3*d : 3*d], cv: b[3*d : 4*d : 4*d], ov: b[4*d:]}
}
