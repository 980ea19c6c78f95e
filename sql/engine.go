package sql

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"log/slog"
	"strings"
	"time"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/storage"
	"github.com/akidb/akidb/tiering"
)

// Options configure an Engine.
type Options struct {
	Logger *slog.Logger
	// Tiers moves collections between tiers; nil keeps every collection
	// HOT and refuses the tier and snapshot statements.
	Tiers *tiering.Manager
}

// Engine runs SQL sessions over one storage.DB. It is safe for concurrent use.
type Engine struct {
	db     *storage.DB
	opts   Options
	parses parseCache
}

// NewEngine returns an engine over db.
func NewEngine(db *storage.DB, opts Options) *Engine {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Engine{db: db, opts: opts}
}

// SessionParams are the startup parameters of a connection and the
// callbacks through which a session talks back to its client.
type SessionParams struct {
	User            string
	Database        string
	ApplicationName string
	// Options holds every other startup parameter (including "options").
	Options map[string]string
	// Notice sends a NoticeResponse to the client. It is only called from
	// within a Session method, on the connection's goroutine.
	Notice func(*pgerr.Error)
	// ParameterStatus reports a changed GUC_REPORT setting (application_name,
	// TimeZone, DateStyle, ...) so the server sends ParameterStatus. Called
	// only from within a Session method.
	ParameterStatus func(name, value string)
}

// NewSession starts the state of one client connection. Startup
// parameters that name settings (and -c name=value in "options") are
// applied as if SET.
func (e *Engine) NewSession(ctx context.Context, p SessionParams) (*Session, error) {
	s := &Session{eng: e, params: p, settings: map[string]string{}, loc: time.UTC}
	var b [4]byte
	_, _ = rand.Read(b[:])
	s.pid = int32(binary.BigEndian.Uint32(b[:]) & 0x3fffffff)
	report := p.ParameterStatus
	s.params.ParameterStatus = nil // startup values are reported by the server itself
	s.settings["application_name"] = p.ApplicationName
	s.settings["session_authorization"] = p.User
	for k, v := range p.Options {
		if k == "options" {
			for _, opt := range parseOptions(v) {
				if err := s.set(opt[0], opt[1]); err != nil {
					return nil, err
				}
			}
			continue
		}
		if _, ok := settingsByKey[strings.ToLower(k)]; ok {
			if err := s.set(k, v); err != nil {
				return nil, err
			}
		}
	}
	s.params.ParameterStatus = report
	return s, nil
}

// parseOptions reads "-c a=b --c=d" from the options startup parameter.
func parseOptions(v string) [][2]string {
	var out [][2]string
	fields := strings.Fields(v)
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		switch {
		case f == "-c" && i+1 < len(fields):
			i++
			f = fields[i]
		case strings.HasPrefix(f, "-c"):
			f = f[2:]
		case strings.HasPrefix(f, "--"):
			f = f[2:]
		default:
			continue
		}
		if k, val, ok := strings.Cut(f, "="); ok {
			out = append(out, [2]string{strings.ReplaceAll(k, "-", "_"), val})
		}
	}
	return out
}
