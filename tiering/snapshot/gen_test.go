package snapshot

import (
	"math"
	"math/rand/v2"
	"strings"
)

// clusteredVectors returns n unit vectors of dim dimensions drawn around
// 64 random centres, the way embeddings of related items cluster.
func clusteredVectors(seed uint64, n, dim int) [][]float32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	const centres = 64
	c := make([][]float32, centres)
	for i := range c {
		c[i] = make([]float32, dim)
		for j := range c[i] {
			c[i][j] = float32(rng.NormFloat64())
		}
	}
	flat := make([]float32, n*dim)
	out := make([][]float32, n)
	for i := range out {
		v := flat[i*dim : (i+1)*dim : (i+1)*dim]
		ctr := c[rng.IntN(centres)]
		var norm float64
		for j := range v {
			x := ctr[j] + 0.35*float32(rng.NormFloat64())
			v[j] = x
			norm += float64(x) * float64(x)
		}
		inv := float32(1 / math.Sqrt(norm))
		for j := range v {
			v[j] *= inv
		}
		out[i] = v
	}
	return out
}

var words = strings.Fields(`the of and to in is that for it as was with be by on not he this are or
his from at which but have an they you were her she there been one all we their has would when if
so no will more can who what up said about out them some could into time only other new than then
vector index search query table snapshot object store collection embedding model document page
graph neighbour distance cluster storage memory disk cache tier restore upload download checksum`)

// sentence returns a text of about n bytes of words.
func sentence(rng *rand.Rand, n int) string {
	var b strings.Builder
	for b.Len() < n {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[rng.IntN(len(words))])
	}
	return b.String()
}
