package store

import (
	"context"
	"slices"
	"sync"
)

// factGroup is the group commit of AppendFacts: the calls that arrive
// while a transaction commits wait, and the next transaction holds them
// all. One transaction (SQLite: one sync of the WAL; PostgreSQL: three
// round trips) then acknowledges many calls, each still all or nothing:
// a helpdesk's webhooks, a few facts each, store at the rate of the CPU,
// not of the disk's syncs or of the round trips (BenchmarkHelpdeskIngest:
// SQLite 1,300 → 3,400 events/s, PostgreSQL 1,750 → 3,000).
//
// No goroutine runs it: the first call leads, committing batches until
// its own is done, then hands the lead to the first call still waiting.
type factGroup struct {
	mu sync.Mutex
	// pending are the calls waiting for a transaction; leading says one
	// call is committing them.
	pending []*factCall
	leading bool
}

// factCall is one AppendFacts waiting: its rows, and where its outcome,
// or the order to lead, is sent.
type factCall struct {
	rows []factRow
	// obs are the outbounds stored with the facts (AppendFactsNotify).
	obs  []outboundRow
	done chan error // buffered: one outcome
	lead chan struct{}
}

// maxFactGroup bounds the calls of one transaction.
const maxFactGroup = 256

// append stores rows with the others waiting, through commit, which must
// send each call of its batch exactly one outcome.
func (g *factGroup) append(rows []factRow, obs []outboundRow, commit func([]*factCall)) error {
	call := &factCall{rows: rows, obs: obs, done: make(chan error, 1), lead: make(chan struct{}, 1)}
	g.mu.Lock()
	g.pending = append(g.pending, call)
	if g.leading {
		g.mu.Unlock()
		// The leader commits this call with others, or hands over.
		select {
		case err := <-call.done:
			return err
		case <-call.lead:
		}
	} else {
		g.leading = true
		g.mu.Unlock()
	}
	for {
		g.mu.Lock()
		batch := g.pending[:min(len(g.pending), maxFactGroup):min(len(g.pending), maxFactGroup)]
		g.pending = g.pending[len(batch):]
		g.mu.Unlock()
		commit(batch)
		if !slices.Contains(batch, call) {
			continue // ours is still waiting: keep leading
		}
		g.mu.Lock()
		if len(g.pending) == 0 {
			g.leading = false
		} else {
			g.pending[0].lead <- struct{}{}
		}
		g.mu.Unlock()
		return <-call.done
	}
}

// appendFacts is AppendFacts and AppendFactsNotify of both stores: the
// call's facts and outbounds are encoded (refused whole on a bad one)
// and join g's next transaction, which commit stores; outbounds without
// facts are enqueued alone.
func appendFacts(ctx context.Context, g *factGroup, fs []Fact, obs []Outbound, enqueue func(context.Context, []Outbound) error, commit func([]*factCall)) error {
	if len(fs) == 0 {
		if len(obs) == 0 {
			return nil
		}
		return enqueue(ctx, obs)
	}
	rows, err := encodeFacts(fs)
	if err != nil {
		return err
	}
	var obRows []outboundRow
	if len(obs) > 0 {
		if obRows, err = encodeOutbounds(obs); err != nil {
			return err
		}
	}
	return g.append(rows, obRows, commit)
}
