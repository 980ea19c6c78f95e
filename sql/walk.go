package sql

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// walk calls fn for n and, while fn returns true, for every node below it.
func walk(n *pg_query.Node, fn func(*pg_query.Node) bool) {
	if n == nil || !fn(n) {
		return
	}
	walkMsg(n.ProtoReflect(), fn)
}

func walkMsg(m protoreflect.Message, fn func(*pg_query.Node) bool) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind || fd.IsMap() {
			return true
		}
		if fd.IsList() {
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				visitMsg(l.Get(i).Message(), fn)
			}
			return true
		}
		visitMsg(v.Message(), fn)
		return true
	})
}

func visitMsg(m protoreflect.Message, fn func(*pg_query.Node) bool) {
	if node, ok := m.Interface().(*pg_query.Node); ok {
		walk(node, fn)
		return
	}
	walkMsg(m, fn)
}
