package tiering

import (
	"context"
	"encoding/json"
	"sort"
	"sync"
	"time"
)

// Start runs the worker: a policy cycle every Config.Interval until Stop.
func (m *Manager) Start() {
	m.stop = make(chan struct{})
	m.done = make(chan struct{})
	go func() {
		defer close(m.done)
		t := time.NewTicker(m.cfg.Interval)
		defer t.Stop()
		for {
			select {
			case <-m.stop:
				return
			case <-t.C:
				ctx, cancel := context.WithCancel(context.Background())
				go func() {
					select {
					case <-m.stop:
						cancel()
					case <-ctx.Done():
					}
				}()
				if _, err := m.RunCycle(ctx); err != nil {
					m.log.Warn("tiering: worker cycle", "err", err)
				}
				cancel()
			}
		}
	}()
}

// Stop ends the worker after the transition it is running, cancels the
// restores that statements started and no longer wait for (the
// collections stay COLD) and waits for them, and saves the access
// counters. The store can be closed after it.
func (m *Manager) Stop() error {
	if m.stop != nil {
		close(m.stop)
		<-m.done
		m.stop = nil
	}
	m.mu.Lock()
	m.stopped = true
	m.mu.Unlock()
	m.bgCancel()
	m.bg.Wait()
	return m.saveDirty()
}

// Move is one transition a cycle made.
type Move struct {
	Collection uint32
	From, To   Tier
	Err        error
}

// RunCycle applies the policy to every collection once: it saves the
// access counters, decides each collection's move, and runs the moves,
// at most Config.Parallel at once. A crash in the middle is resumed by the
// next cycle, which decides again from the saved state.
func (m *Manager) RunCycle(ctx context.Context) ([]Move, error) {
	if err := m.saveDirty(); err != nil {
		return nil, err
	}
	colls, err := m.be.Collections()
	if err != nil {
		return nil, err
	}
	now := m.clock.Now()
	var moves []Move
	for _, c := range colls {
		m.mu.Lock()
		s := m.stateLocked(c.ID)
		to, ok := Decide(*s, s.Overrides.Apply(m.cfg.Policy), now)
		from := s.Tier
		m.mu.Unlock()
		if ok {
			moves = append(moves, Move{Collection: c.ID, From: from, To: to})
		}
	}
	sort.Slice(moves, func(i, j int) bool { return moves[i].Collection < moves[j].Collection })
	sem := make(chan struct{}, m.cfg.Parallel)
	var wg sync.WaitGroup
	var once sync.Once
	for i := range moves {
		mv := &moves[i]
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if ctx.Err() != nil {
				mv.Err = ctx.Err()
				return
			}
			l := m.lock(mv.Collection)
			l.tx.Lock()
			// Decide again under the lock: a manual move may have won.
			m.mu.Lock()
			s := m.stateLocked(mv.Collection)
			to, ok := Decide(*s, s.Overrides.Apply(m.cfg.Policy), m.clock.Now())
			m.mu.Unlock()
			if ok && to == mv.To {
				mv.Err = m.moveLocked(ctx, mv.Collection, mv.To, nil, false)
			}
			l.tx.Unlock()
			if mv.Err != nil {
				m.log.Warn("tiering: worker move failed", "collection", mv.Collection, "from", mv.From.String(), "to", mv.To.String(), "err", mv.Err)
			}
			once.Do(func() { crashPoint("mid_cycle") })
		}()
	}
	wg.Wait()
	return moves, m.saveDirty()
}

// saveDirty persists the access counters changed since the last save.
func (m *Manager) saveDirty() error {
	m.mu.Lock()
	if len(m.dirty) == 0 {
		m.mu.Unlock()
		return nil
	}
	puts := make(map[string][]byte, len(m.dirty))
	for id := range m.dirty {
		s := m.states[id]
		if s == nil {
			continue
		}
		b, err := json.Marshal(s)
		if err != nil {
			m.mu.Unlock()
			return err
		}
		puts[stateKey(id)] = b
	}
	m.dirty = make(map[uint32]bool)
	m.mu.Unlock()
	return m.be.SaveRecords(puts, nil)
}
