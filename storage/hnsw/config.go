package hnsw

import (
	"errors"
	"fmt"
	"math"
)

// Metric is the distance an index orders by. The values are stored in
// checkpoint files; do not renumber them.
type Metric uint8

const (
	// L2 is Euclidean distance (pgvector's <->, vector_l2_ops).
	L2 Metric = iota
	// Cosine is 1 - cos(a, b) (pgvector's <=>, vector_cosine_ops).
	Cosine
	// InnerProduct is -a·b (pgvector's <#>, vector_ip_ops).
	InnerProduct
	// L1 is the taxicab distance (pgvector's <+>, vector_l1_ops).
	L1
)

func (m Metric) String() string {
	switch m {
	case L2:
		return "l2"
	case Cosine:
		return "cosine"
	case InnerProduct:
		return "inner_product"
	case L1:
		return "l1"
	}
	return fmt.Sprintf("Metric(%d)", uint8(m))
}

// Defaults, as pgvector's.
const (
	DefaultM              = 16
	DefaultEfConstruction = 64
	// DefaultRepairFraction is the share of tombstoned graph nodes that
	// starts a background repair.
	DefaultRepairFraction = 0.1

	// MaxDim is the largest dimension accepted (pgvector's limit for vector).
	MaxDim = 16000
	// maxM is the largest M.
	maxM = 100
	// maxLevel caps the generated level; with M >= 2 a level above it is
	// practically never drawn.
	maxLevel = 31
)

// Config describes an index. Zero fields take their defaults.
type Config struct {
	// Dim is the number of dimensions of every vector (1..MaxDim).
	Dim int
	// Metric is the distance; see the Metric constants.
	Metric Metric
	// M is the number of links a node keeps on the upper layers; layer 0
	// keeps 2*M. Default 16 (pgvector's default), range 2..100.
	M int
	// EfConstruction is the size of the candidate list while inserting.
	// Default 64 (pgvector's default); raised to 2*M when smaller.
	EfConstruction int
	// Seed seeds the level generator; a serial build with the same seed and
	// the same inserts gives the same graph.
	Seed int64
	// MaxScan bounds the number of nodes one Search visits when it keeps
	// searching for accepted results (pgvector's hnsw.max_scan_tuples).
	// 0 means no bound: a Search ends only when k results are accepted or
	// every node has been considered.
	MaxScan int
	// RepairFraction is the share of tombstoned graph nodes (among all
	// graph nodes) above which a background repair unlinks them and
	// frees their slots for reuse. 0 means DefaultRepairFraction; a
	// negative value disables automatic repair (Repair can still be
	// called).
	RepairFraction float64
}

var (
	// ErrCorrupt is wrapped by Read for a file that is truncated, fails a
	// checksum or describes an impossible graph.
	ErrCorrupt = errors.New("hnsw: corrupt index file")
	// ErrDim is wrapped by Add for a vector of the wrong length.
	ErrDim = errors.New("hnsw: wrong number of dimensions")
	// ErrNotFinite is wrapped by Add for a vector holding NaN or ±Inf.
	ErrNotFinite = errors.New("hnsw: vector holds NaN or infinity")
	// ErrClosed is returned by Add and AddBatch on a closed index.
	ErrClosed = errors.New("hnsw: index closed")
)

func (c Config) withDefaults() (Config, error) {
	if c.Dim < 1 || c.Dim > MaxDim {
		return c, fmt.Errorf("hnsw: dimension %d out of range 1..%d", c.Dim, MaxDim)
	}
	if c.Metric > L1 {
		return c, fmt.Errorf("hnsw: unknown metric %d", c.Metric)
	}
	if c.M == 0 {
		c.M = DefaultM
	}
	if c.M < 2 || c.M > maxM {
		return c, fmt.Errorf("hnsw: m %d out of range 2..100", c.M)
	}
	if c.EfConstruction == 0 {
		c.EfConstruction = DefaultEfConstruction
	}
	if c.EfConstruction < 4 || c.EfConstruction > 1000 {
		return c, fmt.Errorf("hnsw: ef_construction %d out of range 4..1000", c.EfConstruction)
	}
	if c.EfConstruction < 2*c.M {
		c.EfConstruction = 2 * c.M
	}
	if c.MaxScan < 0 {
		c.MaxScan = 0
	}
	if c.RepairFraction == 0 {
		c.RepairFraction = DefaultRepairFraction
	}
	if math.IsNaN(c.RepairFraction) || c.RepairFraction > 1 {
		return c, fmt.Errorf("hnsw: repair fraction %v out of range", c.RepairFraction)
	}
	return c, nil
}
