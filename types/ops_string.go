package types

func registerStringOps() {
	addOp("||", TextOID, TextOID, TextOID, func(a, b Datum) (Datum, error) { return NewString(a.S + b.S), nil })
	addOp("||", ByteaOID, ByteaOID, ByteaOID, func(a, b Datum) (Datum, error) { return Datum{K: KBytes, S: a.S + b.S}, nil })
	addOp("^@", TextOID, TextOID, BoolOID, func(a, b Datum) (Datum, error) {
		return NewBool(len(a.S) >= len(b.S) && a.S[:len(b.S)] == b.S), nil
	})
	likeOps := []struct {
		name    string
		ci, neg bool
	}{{"~~", false, false}, {"!~~", false, true}, {"~~*", true, false}, {"!~~*", true, true}}
	for _, lo := range likeOps {
		lo := lo
		for _, l := range []OID{TextOID, BPCharOID, NameOID} {
			addOp(lo.name, l, TextOID, BoolOID, func(a, b Datum) (Datum, error) {
				m, err := Like(a.S, b.S, '\\', lo.ci)
				if err != nil {
					return Null, err
				}
				return NewBool(m != lo.neg), nil
			})
		}
		if !lo.ci {
			addOp(lo.name, ByteaOID, ByteaOID, BoolOID, func(a, b Datum) (Datum, error) {
				m, err := likeBytes(a.S, b.S, '\\')
				if err != nil {
					return Null, err
				}
				return NewBool(m != lo.neg), nil
			})
		}
	}
}
