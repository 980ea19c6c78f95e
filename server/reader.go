package server

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/akidb/akidb/pgerr"
)

// Frame reading. Every frontend message after startup is a type byte, an
// int32 length that counts itself but not the type byte, and a body; the
// startup-phase packets (StartupMessage, SSLRequest, GSSENCRequest,
// CancelRequest) have no type byte. The reader checks the declared length
// against the cap before reading the body, and it never allocates the
// declared length up front: a client that claims a 1 GiB message and sends
// ten bytes costs ten bytes (rounded up to a small chunk), not a gigabyte.

const (
	// DefaultMaxMessageSize is the cap on one frontend message when
	// Config.MaxMessageSize is 0 (PostgreSQL's PG_LARGE_MESSAGE_LIMIT is
	// about the same).
	DefaultMaxMessageSize = 1 << 30

	// maxStartupPacketLen is MAX_STARTUP_PACKET_LENGTH in PostgreSQL.
	maxStartupPacketLen = 10000

	// firstChunk is the first allocation for a body longer than the reused
	// buffer; later chunks double the buffer up to the declared length.
	firstChunk = 64 << 10

	// keepBuf is the largest buffer kept between messages; a bigger one
	// (from one large message) is released after use.
	keepBuf = 1 << 20
)

// errProtocol marks a malformed frame; the connection ends with a FATAL
// 08P01 carrying its message.
func protocolErrorf(format string, args ...any) *pgerr.Error {
	e := pgerr.New(pgerr.ProtocolViolation, format, args...)
	e.Severity = pgerr.SeverityFatal
	return e
}

// msgReader reads length-prefixed frames from a client.
type msgReader struct {
	r   *bufio.Reader
	max int64
	buf []byte // reused body buffer; a returned body aliases it
}

func newMsgReader(r io.Reader, max int64) *msgReader {
	if max <= 0 {
		max = DefaultMaxMessageSize
	}
	return &msgReader{r: bufio.NewReaderSize(r, 8<<10), max: max}
}

// ReadStartup reads one startup-phase packet and returns its body (the
// bytes after the length word: the request code and what follows).
func (mr *msgReader) ReadStartup() ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(mr.r, hdr[:]); err != nil {
		return nil, err
	}
	n := int64(int32(binary.BigEndian.Uint32(hdr[:])))
	if n < 8 || n > maxStartupPacketLen {
		return nil, protocolErrorf("invalid length of startup packet")
	}
	return mr.readBody(int(n - 4))
}

// ReadMessage reads one typed message. The returned body is valid until
// the next call.
func (mr *msgReader) ReadMessage() (typ byte, body []byte, err error) {
	var hdr [5]byte
	if _, err := io.ReadFull(mr.r, hdr[:1]); err != nil {
		return 0, nil, err
	}
	if _, err := io.ReadFull(mr.r, hdr[1:]); err != nil {
		return 0, nil, unexpectedEOF(err)
	}
	typ = hdr[0]
	n := int64(int32(binary.BigEndian.Uint32(hdr[1:])))
	if n < 4 {
		return typ, nil, protocolErrorf("invalid message length %d for message type %q", n, typ)
	}
	if n-4 > mr.max {
		return typ, nil, protocolErrorf("message of type %q is too large: %d bytes (the limit is %d)", typ, n-4, mr.max)
	}
	body, err = mr.readBody(int(n - 4))
	return typ, body, err
}

// readBody reads exactly n bytes, growing the buffer only as bytes arrive.
func (mr *msgReader) readBody(n int) ([]byte, error) {
	if cap(mr.buf) > keepBuf {
		mr.buf = nil
	}
	if mr.buf == nil {
		mr.buf = make([]byte, 0, 512)
	}
	if n <= cap(mr.buf) {
		b := mr.buf[:n]
		if _, err := io.ReadFull(mr.r, b); err != nil {
			return nil, unexpectedEOF(err)
		}
		return b, nil
	}
	b := mr.buf[:0]
	for len(b) < n {
		if len(b) == cap(b) {
			grow := max(cap(b), firstChunk)
			nb := make([]byte, len(b), min(n, cap(b)+grow))
			copy(nb, b)
			b = nb
		}
		m, err := mr.r.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err != nil && len(b) < n {
			return nil, unexpectedEOF(err)
		}
	}
	mr.buf = b
	return b, nil
}

func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// decodeMessage decodes the body of a typed frontend message with
// pgproto3's decoders. An unknown type or a malformed body is a protocol
// violation. The message may alias body.
func decodeMessage(typ byte, body []byte) (pgproto3.FrontendMessage, error) {
	var msg pgproto3.FrontendMessage
	switch typ {
	case 'Q':
		msg = &pgproto3.Query{}
	case 'P':
		msg = &pgproto3.Parse{}
	case 'B':
		msg = &pgproto3.Bind{}
	case 'D':
		msg = &pgproto3.Describe{}
	case 'E':
		msg = &pgproto3.Execute{}
	case 'C':
		msg = &pgproto3.Close{}
	case 'S':
		msg = &pgproto3.Sync{}
	case 'H':
		msg = &pgproto3.Flush{}
	case 'X':
		msg = &pgproto3.Terminate{}
	case 'F':
		msg = &pgproto3.FunctionCall{}
	case 'd':
		msg = &pgproto3.CopyData{}
	case 'c':
		msg = &pgproto3.CopyDone{}
	case 'f':
		msg = &pgproto3.CopyFail{}
	default:
		return nil, protocolErrorf("invalid frontend message type %d", typ)
	}
	if err := msg.Decode(body); err != nil {
		return nil, protocolErrorf("invalid message format: %v", err)
	}
	return msg, nil
}

// Startup-phase request codes.
const (
	sslRequestCode    = 80877103
	gssEncRequestCode = 80877104
	cancelRequestCode = 80877102
)

// decodeStartup decodes a startup-phase packet body.
func decodeStartup(body []byte) (pgproto3.FrontendMessage, error) {
	if len(body) < 4 {
		return nil, protocolErrorf("invalid length of startup packet")
	}
	code := binary.BigEndian.Uint32(body)
	var msg pgproto3.FrontendMessage
	switch {
	case code == sslRequestCode:
		msg = &pgproto3.SSLRequest{}
	case code == gssEncRequestCode:
		msg = &pgproto3.GSSEncRequest{}
	case code == cancelRequestCode:
		msg = &pgproto3.CancelRequest{}
	case code>>16 == 3:
		return decodeStartupMessage(body)
	default:
		e := pgerr.New(pgerr.FeatureNotSupported,
			"unsupported frontend protocol %d.%d: server supports 3.0 to 3.0", code>>16, code&0xffff)
		e.Severity = pgerr.SeverityFatal
		return nil, e
	}
	if err := msg.Decode(body); err != nil {
		return nil, protocolErrorf("invalid startup packet layout: %v", err)
	}
	return msg, nil
}

// decodeStartupMessage decodes a StartupMessage of protocol 3.x. A minor
// version above 0 is accepted (the caller negotiates it down), so the
// parameters are read here rather than by pgproto3, which rejects them.
func decodeStartupMessage(body []byte) (*pgproto3.StartupMessage, error) {
	msg := &pgproto3.StartupMessage{
		ProtocolVersion: binary.BigEndian.Uint32(body),
		Parameters:      map[string]string{},
	}
	rest := body[4:]
	for {
		i := bytes.IndexByte(rest, 0)
		if i < 0 {
			return nil, protocolErrorf("invalid startup packet layout: expected terminator as last byte")
		}
		if i == 0 {
			if len(rest) != 1 {
				return nil, protocolErrorf("invalid startup packet layout: expected terminator as last byte")
			}
			return msg, nil
		}
		name := string(rest[:i])
		rest = rest[i+1:]
		j := bytes.IndexByte(rest, 0)
		if j < 0 {
			return nil, protocolErrorf("invalid startup packet layout: expected terminator as last byte")
		}
		msg.Parameters[name] = string(rest[:j])
		rest = rest[j+1:]
	}
}
