package types

import (
	"math"
	"math/big"
	"math/rand"
	"testing"
)

// fma32Exact rounds a*b+c computed exactly.
func fma32Exact(a, b, c float32) float32 {
	x := new(big.Float).SetPrec(300).SetFloat64(float64(a))
	x.Mul(x, new(big.Float).SetFloat64(float64(b)))
	x.Add(x, new(big.Float).SetFloat64(float64(c)))
	f, _ := x.Float32()
	return f
}

func TestFma32(t *testing.T) {
	cases := [][3]float32{
		// a*b+c is just below a float32 tie that float64 rounding reaches;
		// rounding the float64 sum to float32 would go up.
		{1 + 0x1p-23, 64 * (1 - 0x1p-23), 0x1p30 + 0x1p7},
		{1 + 0x1p-23, -64 * (1 - 0x1p-23), -(0x1p30 + 0x1p7)},
		{0.1, 0.4, 0},
		{3e38, 3, -3e38},
		{1e-30, 1e-30, 0},
		{1e-20, 1e-20, 1e-45},
	}
	r := rand.New(rand.NewSource(1))
	for range 200000 {
		a := float32(r.NormFloat64()) * float32(math.Ldexp(1, r.Intn(40)-20))
		b := float32(r.NormFloat64()) * float32(math.Ldexp(1, r.Intn(40)-20))
		c := float32(r.NormFloat64()) * float32(math.Ldexp(1, r.Intn(80)-40))
		cases = append(cases, [3]float32{a, b, c})
	}
	for _, c := range cases {
		got, want := fma32(c[0], c[1], c[2]), fma32Exact(c[0], c[1], c[2])
		if math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("fma32(%g, %g, %g) = %g, want %g", c[0], c[1], c[2], got, want)
		}
	}
}

// TestDistanceSums checks results PostgreSQL 15 with pgvector 0.8.1
// (x86-64, FMA) printed for vectors long enough that the order of the
// additions shows.
func TestDistanceSums(t *testing.T) {
	a := "[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.1,1.2,1.3,1.4]"
	b := "[1.3,1.2,1.1,0.9,0.8,0.7,0.6,0.5,0.4,0.3,0.2,0.1,0.05]"
	sa := "{1:0.1,2:0.2,4:0.3,5:0.4,7:0.5,9:0.6,10:0.7}/10"
	sb := "{3:0.9,5:0.8}/10"
	cases := []struct {
		typ, op, a, b, want string
	}{
		{"vector", "<->", a, b, "2.9466082002124208"},
		{"vector", "<=>", a, b, "0.5278844227444395"},
		{"vector", "<#>", a, b, "-3.830000162124634"},
		{"vector", "<+>", a, b, "9.149999618530273"},
		{"halfvec", "<->", a, b, "2.946547676750666"},
		{"halfvec", "<=>", a, b, "0.5278924111081958"},
		{"halfvec", "<#>", a, b, "-3.829655647277832"},
		{"halfvec", "<+>", a, b, "9.14947509765625"},
		{"sparsevec", "<->", sa, sb, "1.4866068073732186"},
		{"sparsevec", "<=>", sa, sb, "0.7754040158535627"},
		{"sparsevec", "<#>", sa, sb, "-0.320000022649765"},
		{"sparsevec", "<+>", sb, sa, "3.700000047683716"},
		{"vector", "vector_norm", a, "", "3.024896688756207"},
		{"halfvec", "l2_norm", a, "", "3.0249008092499197"},
		{"sparsevec", "l2_norm", sa, "", "1.1832159673246363"},
	}
	for _, c := range cases {
		typ, ok := TypeByName(c.typ)
		if !ok {
			t.Fatal(c.typ)
		}
		x, err := ParseText(typ, c.a)
		if err != nil {
			t.Fatal(err)
		}
		var got Datum
		if c.b == "" {
			f := Functions(c.op)
			var fn *Func
			for _, g := range f {
				if len(g.Args) == 1 && g.Args[0] == typ.OID {
					fn = g
				}
			}
			got, err = fn.Fn([]Datum{x})
		} else {
			var y Datum
			if y, err = ParseText(typ, c.b); err != nil {
				t.Fatal(err)
			}
			got, err = LookupOp(c.op, typ.OID, typ.OID).Fn(x, y)
		}
		if err != nil {
			t.Fatal(err)
		}
		if s := FormatText(got, Float8, nil); s != c.want {
			t.Errorf("%s %s %s %s = %s, want %s", c.a, c.op, c.b, c.typ, s, c.want)
		}
	}
}

// laneSumRef is laneSum written plainly, with exact fused multiply-adds.
func laneSumRef(kind int, a, b []float32, half bool) float32 {
	term := func(acc, x, y float32) float32 {
		switch kind {
		case termL2:
			return fma32Exact(x-y, x-y, acc)
		case termL1:
			return acc + abs32(x-y)
		}
		return fma32Exact(x, y, acc)
	}
	n := len(a)
	var r float32
	var l4 [4]float32
	i := 0
	if n >= 8 {
		var l8 [8]float32
		for ; i+8 <= n; i += 8 {
			for k := range l8 {
				l8[k] = term(l8[k], a[i+k], b[i+k])
			}
		}
		for k := range l4 {
			l4[k] = l8[k] + l8[k+4]
		}
		r = hsum4(l4)
	}
	if !half && n-i >= 4 {
		for k := range l4 {
			l4[k] = term(l4[k], a[i+k], b[i+k])
		}
		i += 4
		r = hsum4(l4)
	}
	for ; i < n; i++ {
		r = term(r, a[i], b[i])
	}
	return r
}

func TestLaneSum(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for range 3000 {
		n := r.Intn(70)
		scale := math.Ldexp(1, r.Intn(200)-150) // down to float32's subnormals
		a, b := make([]float32, n), make([]float32, n)
		for i := range a {
			a[i] = float32(r.NormFloat64() * scale)
			b[i] = float32(r.NormFloat64() * scale)
			if r.Intn(10) == 0 {
				b[i] = 0
			}
		}
		for _, kind := range []int{termDot, termL2, termL1} {
			for _, half := range []bool{false, true} {
				got, want := laneSum(kind, a, b, half), laneSumRef(kind, a, b, half)
				if math.Float32bits(got) != math.Float32bits(want) {
					t.Fatalf("laneSum(%d, %v, %v, %v) = %g, want %g", kind, a, b, half, got, want)
				}
			}
		}
	}
}
