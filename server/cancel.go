package server

import (
	"crypto/subtle"

	"github.com/jackc/pgx/v5/pgproto3"
)

// cancelRequest serves a CancelRequest, which arrives on a connection of
// its own: when the pid and secret match a backend, that backend's running
// statement (if any) is cancelled and fails with 57014. Nothing is sent
// back either way, as in PostgreSQL; the caller closes the connection.
func (s *Server) cancelRequest(m *pgproto3.CancelRequest) {
	target := s.lookup(m.ProcessID)
	if target == nil || subtle.ConstantTimeCompare(target.secret[:], m.SecretKey) != 1 {
		s.log.Debug("cancel request for no matching backend", "pid", m.ProcessID)
		return
	}
	s.log.Debug("cancel request", "pid", m.ProcessID)
	target.cancelStatement()
}
