package sql

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
)

// fakeCopyIO feeds data in chunks of a given size and collects output.
type fakeCopyIO struct {
	data   []byte
	chunk  int
	in     bool
	out    bool
	format int16
	ncols  int
	got    bytes.Buffer
	msgs   int
}

func (f *fakeCopyIO) BeginCopyIn(format int16, ncols int) error {
	f.in, f.format, f.ncols = true, format, ncols
	return nil
}

func (f *fakeCopyIO) ReadCopyData() ([]byte, error) {
	if len(f.data) == 0 {
		return nil, io.EOF
	}
	n := min(f.chunk, len(f.data))
	b := f.data[:n]
	f.data = f.data[n:]
	return b, nil
}

func (f *fakeCopyIO) BeginCopyOut(format int16, ncols int) error {
	f.out, f.format, f.ncols = true, format, ncols
	return nil
}

func (f *fakeCopyIO) WriteCopyData(p []byte) error {
	f.got.Write(p)
	f.msgs++
	return nil
}

func (f *fakeCopyIO) EndCopyOut() error { return nil }

// runCopy runs one COPY statement with cio.
func runCopy(s *Session, q string, cio CopyIO) (string, error) {
	stmts, err := s.Parse(q)
	if err != nil {
		return "", err
	}
	p, err := s.Bind(context.Background(), stmts[0], nil)
	if err != nil {
		return "", err
	}
	defer p.Close()
	p.SetCopyIO(cio)
	_, tag, err := p.Execute(context.Background(), 0, func(types.Row) error { return nil })
	return tag, err
}

func dump(t *testing.T, s *Session, table string) string {
	t.Helper()
	var lines []string
	for _, r := range run(t, s, "SELECT * FROM "+table+" ORDER BY 1") {
		lines = append(lines, strings.Join(r, "|"))
	}
	return strings.Join(lines, "\n")
}

// Rows are parsed as the data arrives: however the stream is cut into
// CopyData messages, the same rows load.
func TestCopyFromChunked(t *testing.T) {
	bin := []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x04abcd")
	for _, r := range []struct {
		id int32
		b  string
	}{{1, "a"}, {2, "tab\there"}, {3, ""}} {
		bin = binary.BigEndian.AppendUint16(bin, 2)
		bin = binary.BigEndian.AppendUint32(bin, 4)
		bin = binary.BigEndian.AppendUint32(bin, uint32(r.id))
		bin = binary.BigEndian.AppendUint32(bin, uint32(len(r.b)))
		bin = append(bin, r.b...)
	}
	bin = append(bin, 0, 2, 0, 0, 0, 4, 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	want := "1|a\n2|tab\there\n3|\n4|NULL"
	cases := []struct{ name, opts, data string }{
		{"text LF", "", "1\ta\n2\ttab\\there\n3\t\n4\t\\N\n"},
		{"text CRLF", "", "1\ta\r\n2\ttab\\there\r\n3\t\r\n4\t\\N\r\n"},
		{"text CR no final newline", "", "1\ta\r2\ttab\\there\r3\t\r4\t\\N"},
		{"text end marker", "", "1\ta\n2\ttab\\there\n3\t\n4\t\\N\n\\.\nnot\tread\n"},
		{"text end marker CRLF", "", "1\ta\r\n2\ttab\\there\r\n3\t\r\n4\t\\N\r\n\\.\r\n"},
		{"text header", "(HEADER)", "id\tb\n1\ta\n2\ttab\\there\n3\t\n4\t\\N\n"},
		{"csv", "(FORMAT csv)", "1,a\n2,\"tab\there\"\n3,\"\"\n4,\n"},
		{"csv CRLF header marker", "(FORMAT csv, HEADER match)", "id,b\r\n1,a\r\n\"2\",tab\there\r\n3,\"\"\r\n4,\r\n\\.\r\n"},
		{"csv escape", "(FORMAT csv, ESCAPE '\\')", "1,\"a\"\n2,\"tab\there\"\n3,\"\"\n4,\n"},
		{"binary", "(FORMAT binary)", string(bin)},
	}
	for _, tc := range cases {
		for _, chunk := range []int{1, 2, 3, 5, 1 << 20} {
			t.Run(fmt.Sprintf("%s/%d", tc.name, chunk), func(t *testing.T) {
				s := newTestSession(t)
				run(t, s, "CREATE TABLE t (id int, b text)")
				cio := &fakeCopyIO{data: []byte(tc.data), chunk: chunk}
				tag, err := runCopy(s, "COPY t FROM STDIN "+tc.opts, cio)
				if err != nil {
					t.Fatal(err)
				}
				if tag != "COPY 4" {
					t.Errorf("tag %q", tag)
				}
				if got := dump(t, s, "t"); got != want {
					t.Fatalf("got\n%s\nwant\n%s", got, want)
				}
			})
		}
	}
}

func TestCopyFromErrorsChunked(t *testing.T) {
	cases := []struct{ name, opts, data, msg, where string }{
		{"literal CR", "", "1\ta\n2\tb\rc\n", "literal carriage return found in data", "COPY t, line 2"},
		{"literal LF", "", "1\ta\r\n2\tb\nc\r\n", "literal newline found in data", "COPY t, line 2"},
		{"unquoted LF", "(FORMAT csv)", "1,a\r\n2,b\nc\r\n", "unquoted newline found in data", "COPY t, line 2"},
		{"bad utf8", "", "1\ta\n2\t\\xff\n", `invalid byte sequence for encoding "UTF8": 0xff`, "COPY t, line 2: \"2\t\\xff\""},
		{"header mismatch", "(FORMAT csv, HEADER match)", "id,c\n", `column name mismatch in header line field 2: got "c", expected "b"`, `COPY t, line 1: "id,c"`},
		{"long value", "", "1\t2\n" + strings.Repeat("x", 150) + "\tb\n", `invalid input syntax for type integer: "` + strings.Repeat("x", 150) + `"`,
			`COPY t, line 2, column id: "` + strings.Repeat("x", 100) + `..."`},
	}
	for _, tc := range cases {
		for _, chunk := range []int{1, 4, 1 << 20} {
			t.Run(fmt.Sprintf("%s/%d", tc.name, chunk), func(t *testing.T) {
				s := newTestSession(t)
				run(t, s, "CREATE TABLE t (id int, b text)")
				_, err := runCopy(s, "COPY t FROM STDIN "+tc.opts, &fakeCopyIO{data: []byte(tc.data), chunk: chunk})
				e := pgerr.Convert(err)
				if e.Message != tc.msg || e.Where != tc.where {
					t.Fatalf("got %q CONTEXT %q, want %q CONTEXT %q", e.Message, e.Where, tc.msg, tc.where)
				}
				if got := dump(t, s, "t"); got != "" {
					t.Fatalf("rows loaded: %s", got)
				}
			})
		}
	}
}

func TestCopyToFormats(t *testing.T) {
	s := newTestSession(t)
	run(t, s, "CREATE TABLE t (id int, b text)")
	run(t, s, `INSERT INTO t VALUES (1, E'a\\b\tc'), (2, NULL), (3, '\.'), (4, E'\x01')`)
	cases := []struct{ q, want string }{
		{"COPY t TO STDOUT", "1\ta\\\\b\\tc\n2\t\\N\n3\t\\\\.\n4\t\x01\n"},
		{"COPY t TO STDOUT (FORMAT csv, HEADER)", "id,b\n1,a\\b\tc\n2,\n3,\\.\n4,\x01\n"},
		{"COPY t (b) TO STDOUT (FORMAT csv)", "a\\b\tc\n\n\"\\.\"\n\x01\n"},
		{"COPY t TO STDOUT (FORMAT csv, QUOTE '''', ESCAPE '\\', FORCE_QUOTE (id))", "'1',a\\b\tc\n'2',\n'3',\\.\n'4',\x01\n"},
	}
	for _, tc := range cases {
		cio := &fakeCopyIO{}
		tag, err := runCopy(s, tc.q, cio)
		if err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		if tag != "COPY 4" || !cio.out || cio.format != 0 {
			t.Errorf("%s: tag %q out %v format %d", tc.q, tag, cio.out, cio.format)
		}
		if got := cio.got.String(); got != tc.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.q, got, tc.want)
		}
	}
}

// Without a CopyIO (a caller that cannot do COPY) the statement fails
// cleanly.
func TestCopyWithoutIO(t *testing.T) {
	s := newTestSession(t)
	run(t, s, "CREATE TABLE t (id int)")
	_, err := runCopy(s, "COPY t FROM STDIN", nil)
	if pgerr.Code(err) != pgerr.FeatureNotSupported {
		t.Fatalf("got %v", err)
	}
}

func BenchmarkCopyFromText(b *testing.B) {
	var buf bytes.Buffer
	const rows = 10000
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&buf, "%d\tname %d\t%d.5\tt\t2024-01-02 03:04:05+00\t%d.25\n", i, i, i, i)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		b.StopTimer()
		s := newTestSession(b)
		run(b, s, "CREATE TABLE t (id int8 PRIMARY KEY, name text, score float8, ok bool, at timestamptz, amount numeric)")
		b.StartTimer()
		if _, err := runCopy(s, "COPY t FROM STDIN", &fakeCopyIO{data: data, chunk: 65536}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
