package hnsw

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
)

// Checkpoint file format (all integers little-endian):
//
//	header, 96 bytes:
//	  0 magic "AKIHNSW\x00"     8 version u32 (1)      12 metric u8, 3 zero bytes
//	 16 dim u32                20 M u32               24 ef_construction u32
//	 28 max_scan u32           32 seed i64            40 seq u64 (the caller's)
//	 48 slots u32              52 entry id u32        56 entry level i32 (-1: empty)
//	 60 upper words u32        64 live labels u32     68 zero labels u32
//	 72 free slots u32         76 tombstones u32      80 repair fraction f64
//	 88 reserved u32           92 CRC32C of bytes 0..91
//	then nine sections, each: length u64 (bytes), payload, CRC32C u32 of the payload:
//	  1 vectors    slots*dim float32 (cosine: normalised), as the index
//	               holds them: halves times their scale, exactly
//	  2 labels     slots u64
//	  3 levels     slots u8
//	  4 states     slots u8: 0 live, 1 tombstone, 2 free
//	  5 layer 0    slots*(2M+1) u32: count, then 2M ids (unused ids 0)
//	  6 upper off  slots u32: start of the slot's block in the upper words
//	  7 upper      upper-words u32: per node of level L>0, L lists of
//	               count + M ids (levels 1..L)
//	  8 zeros      zero-labels u64: cosine zero vectors (not in the graph)
//	  9 free       free-slots u32: the free list, in order
//
// A slot that is live has a label no other live slot has; the label of a
// tombstoned or free slot is meaningless.

const (
	fileVersion = 1
	headerSize  = 96
	numSections = 9
)

var fileMagic = [8]byte{'A', 'K', 'I', 'H', 'N', 'S', 'W', 0}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

const (
	stateLive uint8 = iota
	stateTomb
	stateFree
)

// WriteTo writes a checkpoint of the index tagged with seq. It waits for
// running mutations and holds off new ones until done; searches go on.
func (x *Index) WriteTo(w io.Writer, seq uint64) (int64, error) {
	return x.writeTo(w, seq, false)
}

// writeTo writes the file; external leaves the vectors of live slots out
// (graphfile.go).
func (x *Index) writeTo(w io.Writer, seq uint64, external bool) (int64, error) {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	x.mu.RLock()
	defer x.mu.RUnlock()

	n := int(x.nodes.Load())
	isFree := newBitset(n)
	for _, id := range x.free {
		isFree.set(id)
	}
	states := make([]uint8, n)
	tombs := 0
	for id := uint32(0); int(id) < n; id++ {
		switch {
		case isFree.has(id):
			states[id] = stateFree
		case x.isDead(id):
			states[id] = stateTomb
			tombs++
		}
	}
	zeros := make([]uint64, 0, len(x.zeros))
	for l := range x.zeros {
		zeros = append(zeros, l)
	}

	cw := &countWriter{w: w}
	bw := bufio.NewWriterSize(cw, 1<<16)
	var h [headerSize]byte
	copy(h[0:8], fileMagic[:])
	le := binary.LittleEndian
	le.PutUint32(h[8:], fileVersion)
	h[12] = uint8(x.metric)
	le.PutUint32(h[16:], uint32(x.dim))
	le.PutUint32(h[20:], uint32(x.m))
	le.PutUint32(h[24:], uint32(x.efc))
	le.PutUint32(h[28:], uint32(x.maxScan))
	le.PutUint64(h[32:], uint64(x.seed))
	le.PutUint64(h[40:], seq)
	le.PutUint32(h[48:], uint32(n))
	epID, epL, ok := x.entry()
	if !ok {
		epID, epL = 0, -1
	}
	le.PutUint32(h[52:], epID)
	le.PutUint32(h[56:], uint32(int32(epL)))
	le.PutUint32(h[60:], uint32(x.upperUsed))
	le.PutUint32(h[64:], uint32(len(x.byLabel)))
	le.PutUint32(h[68:], uint32(len(zeros)))
	le.PutUint32(h[72:], uint32(len(x.free)))
	le.PutUint32(h[76:], uint32(tombs))
	le.PutUint64(h[80:], math.Float64bits(x.repairF))
	if external {
		le.PutUint32(h[88:], flagExternalVectors)
	}
	le.PutUint32(h[92:], crc32.Checksum(h[:92], castagnoli))
	bw.Write(h[:])

	sw := &sectionWriter{w: bw, crc: crc32.New(castagnoli)}
	buf := make([]float32, x.dim)
	if external {
		sw.section(uint64(tombs*x.dim)*4, func() {
			for id := uint32(0); int(id) < n; id++ {
				if states[id] == stateTomb {
					sw.f32s(x.decode(buf, id))
				}
			}
		})
	} else {
		sw.section(uint64(n*x.dim)*4, func() {
			for id := uint32(0); int(id) < n; id++ {
				sw.f32s(x.decode(buf, id))
			}
		})
	}
	sw.section(uint64(n)*8, func() { sw.u64s(x.labels[:n]) })
	sw.section(uint64(n), func() { sw.bytes(x.levels[:n]) })
	sw.section(uint64(n), func() { sw.bytes(states) })
	sw.section(uint64(n*(x.m0+1))*4, func() { sw.u32s(x.links0[:n*(x.m0+1)]) })
	sw.section(uint64(n)*4, func() { sw.u32s(x.upperOff[:n]) })
	sw.section(uint64(x.upperUsed)*4, func() { sw.u32s(x.upper[:x.upperUsed]) })
	sw.section(uint64(len(zeros))*8, func() { sw.u64s(zeros) })
	sw.section(uint64(len(x.free))*4, func() { sw.u32s(x.free) })
	if err := bw.Flush(); err != nil {
		return cw.n, err
	}
	return cw.n, cw.err
}

type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

// sectionWriter writes length-prefixed, checksummed sections; errors
// surface through the bufio.Writer's Flush.
type sectionWriter struct {
	w   *bufio.Writer
	crc hash.Hash32
	buf [4096]byte
}

func (s *sectionWriter) section(size uint64, body func()) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], size)
	s.w.Write(b[:])
	s.crc.Reset()
	body()
	binary.LittleEndian.PutUint32(b[:4], s.crc.Sum32())
	s.w.Write(b[:4])
}

func (s *sectionWriter) bytes(p []byte) {
	s.crc.Write(p)
	s.w.Write(p)
}

func (s *sectionWriter) f32s(v []float32) {
	for len(v) > 0 {
		k := min(len(v), len(s.buf)/4)
		for i, f := range v[:k] {
			binary.LittleEndian.PutUint32(s.buf[4*i:], math.Float32bits(f))
		}
		s.bytes(s.buf[:4*k])
		v = v[k:]
	}
}

func (s *sectionWriter) u32s(v []uint32) {
	for len(v) > 0 {
		k := min(len(v), len(s.buf)/4)
		for i, u := range v[:k] {
			binary.LittleEndian.PutUint32(s.buf[4*i:], u)
		}
		s.bytes(s.buf[:4*k])
		v = v[k:]
	}
}

func (s *sectionWriter) u64s(v []uint64) {
	for len(v) > 0 {
		k := min(len(v), len(s.buf)/8)
		for i, u := range v[:k] {
			binary.LittleEndian.PutUint64(s.buf[8*i:], u)
		}
		s.bytes(s.buf[:8*k])
		v = v[k:]
	}
}

func corrupt(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, a...))
}

// Read loads a checkpoint written by WriteTo and returns the index and the
// seq it was written with. A truncated, corrupted or inconsistent file
// gives an error wrapping ErrCorrupt.
func Read(r io.Reader) (*Index, uint64, error) {
	x, seq, err := read(r)
	if err == nil && x.unfilled != nil {
		return nil, 0, fmt.Errorf("hnsw: the file holds a graph without its vectors; use ReadGraph")
	}
	return x, seq, err
}

func read(r io.Reader) (_ *Index, _ uint64, rerr error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var h [headerSize]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return nil, 0, readErr(err, "header")
	}
	le := binary.LittleEndian
	if [8]byte(h[0:8]) != fileMagic {
		return nil, 0, corrupt("bad magic")
	}
	if crc32.Checksum(h[:92], castagnoli) != le.Uint32(h[92:]) {
		return nil, 0, corrupt("header checksum mismatch")
	}
	if v := le.Uint32(h[8:]); v != fileVersion {
		return nil, 0, fmt.Errorf("hnsw: unsupported index file version %d", v)
	}
	cfg := Config{
		Metric:         Metric(h[12]),
		Dim:            int(le.Uint32(h[16:])),
		M:              int(le.Uint32(h[20:])),
		EfConstruction: int(le.Uint32(h[24:])),
		MaxScan:        int(le.Uint32(h[28:])),
		Seed:           int64(le.Uint64(h[32:])),
		RepairFraction: math.Float64frombits(le.Uint64(h[80:])),
	}
	if cfg.RepairFraction == 0 {
		cfg.RepairFraction = -1 // keep "disabled" distinct from default
	}
	seq := le.Uint64(h[40:])
	n := int(le.Uint32(h[48:]))
	epID := le.Uint32(h[52:])
	epL := int(int32(le.Uint32(h[56:])))
	upperUsed := int(le.Uint32(h[60:]))
	nLive := int(le.Uint32(h[64:]))
	nZeros := int(le.Uint32(h[68:]))
	nFree := int(le.Uint32(h[72:]))
	nTomb := int(le.Uint32(h[76:]))
	flags := le.Uint32(h[88:])
	if flags&^flagExternalVectors != 0 {
		return nil, 0, corrupt("unknown flags %#x", flags)
	}
	x, err := New(cfg)
	if err != nil {
		return nil, 0, corrupt("config: %v", err)
	}
	defer func() {
		if rerr != nil {
			x.Close() // free the arrays read so far
		}
	}()
	if n < 0 || nLive+nFree+nTomb != n || epL < -1 || epL > maxLevel {
		return nil, 0, corrupt("inconsistent counts")
	}

	x.grow(n, upperUsed)
	sr := &sectionReader{r: br, crc: crc32.New(castagnoli)}
	var tombVecs []float32
	if flags&flagExternalVectors != 0 {
		tombVecs = make([]float32, nTomb*x.dim)
		sr.section(1, uint64(len(tombVecs))*4, func() { sr.f32s(tombVecs) })
	} else {
		// Re-encoding the halves the file holds times their scale gives
		// the same halves and scale back.
		sr.section(1, uint64(n*x.dim)*4, func() {
			buf := make([]float32, x.dim)
			for id := uint32(0); int(id) < n && sr.err == nil; id++ {
				sr.f32s(buf)
				x.setVec(id, buf)
			}
		})
	}
	sr.section(2, uint64(n)*8, func() { sr.u64s(x.labels[:n]) })
	sr.section(3, uint64(n), func() { sr.bytes(x.levels[:n]) })
	states := make([]uint8, n)
	sr.section(4, uint64(n), func() { sr.bytes(states) })
	if sr.err == nil && tombVecs != nil {
		// The vectors of tombstones (still routing searches) are in the
		// file; those of live slots come through FillVector.
		x.unfilled = newBitset(n)
		for id := uint32(0); int(id) < n; id++ {
			switch states[id] {
			case stateTomb:
				x.setVec(id, tombVecs[:x.dim])
				tombVecs = tombVecs[x.dim:]
			case stateLive:
				x.unfilled.set(id)
				x.nUnfilled++
			}
		}
	}
	sr.section(5, uint64(n*(x.m0+1))*4, func() { sr.u32s(x.links0[:n*(x.m0+1)]) })
	sr.section(6, uint64(n)*4, func() { sr.u32s(x.upperOff[:n]) })
	sr.section(7, uint64(upperUsed)*4, func() { sr.u32s(x.upper[:upperUsed]) })
	zeros := make([]uint64, nZeros)
	sr.section(8, uint64(nZeros)*8, func() { sr.u64s(zeros) })
	x.free = make([]uint32, nFree)
	sr.section(9, uint64(nFree)*4, func() { sr.u32s(x.free) })
	if sr.err != nil {
		return nil, 0, sr.err
	}

	// Validate the graph so that no later access can go out of bounds.
	x.nodes.Store(uint32(n))
	x.upperUsed = upperUsed
	for id := uint32(0); int(id) < n; id++ {
		lv := int(x.levels[id])
		if lv > maxLevel {
			return nil, 0, corrupt("slot %d: level %d", id, lv)
		}
		if lv > 0 && int(x.upperOff[id])+lv*(x.m+1) > upperUsed {
			return nil, 0, corrupt("slot %d: upper links out of range", id)
		}
		switch states[id] {
		case stateLive:
			if _, dup := x.byLabel[x.labels[id]]; dup {
				return nil, 0, corrupt("label %d twice", x.labels[id])
			}
			x.byLabel[x.labels[id]] = id
		case stateTomb:
			x.setDead(id)
			x.nDead++
		case stateFree:
			x.setDead(id)
		default:
			return nil, 0, corrupt("slot %d: state %d", id, states[id])
		}
	}
	if len(x.byLabel) != nLive {
		return nil, 0, corrupt("live count")
	}
	for _, id := range x.free {
		if int(id) >= n || states[id] != stateFree {
			return nil, 0, corrupt("free list names slot %d", id)
		}
	}
	for id := uint32(0); int(id) < n; id++ {
		if states[id] == stateFree {
			continue
		}
		for l := 0; l <= int(x.levels[id]); l++ {
			lst := x.list(id, l)
			c := int(lst[0])
			if c > len(lst)-1 {
				return nil, 0, corrupt("slot %d level %d: %d links", id, l, c)
			}
			for _, nb := range lst[1 : 1+c] {
				if int(nb) >= n || states[nb] == stateFree || int(x.levels[nb]) < l {
					return nil, 0, corrupt("slot %d level %d: bad link %d", id, l, nb)
				}
				if l == 0 {
					x.in0[nb]++
				}
			}
		}
	}
	for _, z := range zeros {
		if _, dup := x.byLabel[z]; dup {
			return nil, 0, corrupt("label %d twice", z)
		}
		x.zeros[z] = struct{}{}
	}
	if epL >= 0 {
		if int(epID) >= n || states[epID] == stateFree || int(x.levels[epID]) != epL {
			return nil, 0, corrupt("bad entry point")
		}
		x.setEntry(epID, epL)
	} else if n-nFree > 0 {
		return nil, 0, corrupt("nodes without an entry point")
	}
	return x, seq, nil
}

func readErr(err error, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return corrupt("truncated %s", what)
	}
	return fmt.Errorf("hnsw: reading %s: %w", what, err)
}

type sectionReader struct {
	r   *bufio.Reader
	crc hash.Hash32
	buf [4096]byte
	err error
}

func (s *sectionReader) section(num int, size uint64, body func()) {
	if s.err != nil {
		return
	}
	var b [8]byte
	if _, err := io.ReadFull(s.r, b[:]); err != nil {
		s.err = readErr(err, fmt.Sprintf("section %d", num))
		return
	}
	if got := binary.LittleEndian.Uint64(b[:]); got != size {
		s.err = corrupt("section %d: %d bytes, want %d", num, got, size)
		return
	}
	s.crc.Reset()
	body()
	if s.err != nil {
		return
	}
	if _, err := io.ReadFull(s.r, b[:4]); err != nil {
		s.err = readErr(err, fmt.Sprintf("section %d", num))
		return
	}
	if binary.LittleEndian.Uint32(b[:4]) != s.crc.Sum32() {
		s.err = corrupt("section %d checksum mismatch", num)
	}
}

func (s *sectionReader) fill(p []byte) bool {
	if s.err != nil {
		return false
	}
	if _, err := io.ReadFull(s.r, p); err != nil {
		s.err = readErr(err, "section")
		return false
	}
	s.crc.Write(p)
	return true
}

func (s *sectionReader) bytes(p []byte) {
	for len(p) > 0 {
		k := min(len(p), len(s.buf))
		if !s.fill(p[:k]) {
			return
		}
		p = p[k:]
	}
}

func (s *sectionReader) f32s(v []float32) {
	for len(v) > 0 {
		k := min(len(v), len(s.buf)/4)
		if !s.fill(s.buf[:4*k]) {
			return
		}
		for i := range v[:k] {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(s.buf[4*i:]))
		}
		v = v[k:]
	}
}

func (s *sectionReader) u32s(v []uint32) {
	for len(v) > 0 {
		k := min(len(v), len(s.buf)/4)
		if !s.fill(s.buf[:4*k]) {
			return
		}
		for i := range v[:k] {
			v[i] = binary.LittleEndian.Uint32(s.buf[4*i:])
		}
		v = v[k:]
	}
}

func (s *sectionReader) u64s(v []uint64) {
	for len(v) > 0 {
		k := min(len(v), len(s.buf)/8)
		if !s.fill(s.buf[:8*k]) {
			return
		}
		for i := range v[:k] {
			v[i] = binary.LittleEndian.Uint64(s.buf[8*i:])
		}
		v = v[k:]
	}
}
