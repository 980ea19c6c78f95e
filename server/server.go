package server

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/akidb/akidb/sql"
)

// Config configures a Server.
type Config struct {
	// MaxMessageSize caps one frontend message; 0 means 1 GiB.
	MaxMessageSize int64
	// ShutdownTimeout bounds how long Shutdown lets running statements finish.
	ShutdownTimeout time.Duration
	Logger          *slog.Logger
}

// Server accepts pgwire connections for one sql.Engine.
type Server struct {
	eng *sql.Engine
	cfg Config
}

// New returns a server for eng.
func New(eng *sql.Engine, cfg Config) *Server { return &Server{eng: eng, cfg: cfg} }

// Serve accepts connections on ln until Shutdown; it returns nil after a
// clean shutdown.
func (s *Server) Serve(ln net.Listener) error { return nil }

// Shutdown stops accepting, lets running statements finish until ctx or
// ShutdownTimeout ends, then closes every connection.
func (s *Server) Shutdown(ctx context.Context) error { return nil }
