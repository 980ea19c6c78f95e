package server

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/sql"
)

// COPY on the wire (https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-COPY).
// The sql package runs the statement; copyIO is its way to the client:
// CopyInResponse and the CopyData/CopyDone/CopyFail messages that follow
// for COPY FROM STDIN, CopyOutResponse, CopyData and CopyDone for COPY TO
// STDOUT. Flush and Sync during copy-in are ignored, as PostgreSQL does
// for the clients that send them without noticing the statement was a
// COPY; any other message ends the COPY with an error. After an error the
// client's remaining copy messages are dropped by the message loop (and,
// in the extended protocol, everything up to Sync).

// copyIO implements sql.CopyIO for one connection.
type copyIO struct{ c *conn }

var _ sql.CopyIO = copyIO{}

func copyFormats(format int16, ncols int) []uint16 {
	f := make([]uint16, ncols)
	for i := range f {
		f[i] = uint16(format)
	}
	return f
}

func (x copyIO) BeginCopyIn(format int16, ncols int) error {
	x.c.send(&pgproto3.CopyInResponse{OverallFormat: byte(format), ColumnFormatCodes: copyFormats(format, ncols)})
	return x.c.flush()
}

func (x copyIO) ReadCopyData() ([]byte, error) {
	c := x.c
	for {
		typ, body, err := c.rd.ReadMessage()
		if err != nil {
			var pe *pgerr.Error
			switch {
			case errors.As(err, &pe):
				return nil, fatal(pe)
			case c.srv.shutting.Load() && errors.Is(err, os.ErrDeadlineExceeded):
				return nil, shutdownError()
			case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
				return nil, fatal(pgerr.New(pgerr.ConnectionFailure, "unexpected EOF on client connection with an open transaction"))
			}
			return nil, fatal(pgerr.New(pgerr.ConnectionFailure, "could not receive data from client: %v", err))
		}
		switch typ {
		case 'd':
			return body, nil
		case 'c':
			return nil, io.EOF
		case 'f':
			msg := string(bytes.TrimRight(body, "\x00"))
			return nil, pgerr.New(pgerr.QueryCanceled, "COPY from stdin failed: %s", msg)
		case 'H', 'S':
			continue
		case 'X':
			// The client ends the connection in the middle of the COPY.
			c.closing = true
			return nil, fatal(pgerr.New(pgerr.ConnectionFailure, "unexpected EOF on client connection with an open transaction"))
		}
		return nil, pgerr.New(pgerr.ProtocolViolation, "unexpected message type 0x%02X during COPY from stdin", typ)
	}
}

func (x copyIO) BeginCopyOut(format int16, ncols int) error {
	x.c.send(&pgproto3.CopyOutResponse{OverallFormat: byte(format), ColumnFormatCodes: copyFormats(format, ncols)})
	return x.c.writeErr
}

// WriteCopyData appends one CopyData message to the output buffer.
func (x copyIO) WriteCopyData(p []byte) error {
	c := x.c
	if c.writeErr != nil {
		return c.writeErr
	}
	c.wbuf = append(c.wbuf, 'd')
	c.wbuf = binary.BigEndian.AppendUint32(c.wbuf, uint32(len(p)+4))
	c.wbuf = append(c.wbuf, p...)
	if len(c.wbuf) >= flushAt {
		return c.flush()
	}
	return nil
}

func (x copyIO) EndCopyOut() error {
	x.c.send(&pgproto3.CopyDone{})
	return x.c.writeErr
}
