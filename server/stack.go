package server

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/akidb/akidb/storage"
	"github.com/akidb/akidb/tiering"
	"github.com/akidb/akidb/tiering/objstore"
)

// TieringConfig configures the tiering layer of a server: where COLD
// collections go and the default policy.
type TieringConfig struct {
	// Disabled runs without tiering: collections stay HOT.
	Disabled bool
	// S3, when its Bucket is set, is the object store; otherwise a local
	// directory (ObjectDir, default <data dir>/objects) is.
	S3        objstore.S3Config
	ObjectDir string
	// Policy is the server default (zero value: DESIGN.md's defaults).
	Policy tiering.Policy
	// Interval between worker cycles (default 1 min); Parallel bounds the
	// transitions of one cycle (default 2).
	Interval time.Duration
	Parallel int
	Clock    tiering.Clock
}

// Stack is an open store with its tiering manager.
type Stack struct {
	DB    *storage.DB
	Tiers *tiering.Manager // nil when tiering is disabled
}

// OpenStack opens the store in dataDir, completes the tier transitions a
// crash interrupted, and starts the tiering worker.
func OpenStack(ctx context.Context, dataDir string, tc TieringConfig, log *slog.Logger) (*Stack, error) {
	if log == nil {
		log = slog.Default()
	}
	db, err := storage.Open(dataDir, storage.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	st := &Stack{DB: db}
	if tc.Disabled {
		return st, nil
	}
	var store tiering.ObjectStore
	if tc.S3.Bucket != "" {
		s3, err := objstore.NewS3(ctx, tc.S3)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("object store: %w", err)
		}
		store = s3
	} else {
		dir := tc.ObjectDir
		if dir == "" {
			dir = filepath.Join(dataDir, "objects")
		}
		local, err := objstore.NewLocal(dir)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("object store: %w", err)
		}
		store = local
	}
	m, err := tiering.NewManager(tiering.Config{
		Policy: tc.Policy, Interval: tc.Interval, Parallel: tc.Parallel, Clock: tc.Clock, Logger: log,
		TempDir: filepath.Join(dataDir, "tiering-tmp"),
	}, db, store)
	if err == nil {
		err = m.Recover(ctx)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	m.Start()
	st.Tiers = m
	return st, nil
}

// Close stops the worker and closes the store.
func (s *Stack) Close() error {
	var err error
	if s.Tiers != nil {
		err = s.Tiers.Stop()
	}
	if cerr := s.DB.Close(); cerr != nil && err == nil {
		err = cerr
	}
	return err
}
