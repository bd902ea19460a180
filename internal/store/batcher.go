package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

// ErrClosed is returned by Batcher.Add after Close.
var ErrClosed = errors.New("store: batcher closed")

// Batcher coalesces results added concurrently (by the scheduler's checks,
// by agent uploads) into few AppendResults transactions: group commit. Add
// returns only once the batch holding its result has committed, so a nil
// error is the store's acknowledgement.
//
// A batch is committed when it holds maxBatch results, or maxDelay after
// its first result arrived, whichever comes first; batches commit one at a
// time, and results added meanwhile gather into the next.
type Batcher struct {
	s        Store
	maxBatch int
	maxDelay time.Duration
	log      *slog.Logger
	// commitTimeout bounds one commit: a batch is not tied to any one
	// caller's context.
	commitTimeout time.Duration

	mu     sync.RWMutex // held for reading while sending on reqs; Close takes it to close reqs
	closed bool
	reqs   chan request
	done   chan struct{} // closed when run returns
	depth  atomic.Int64
	once   sync.Once
}

// request is one Add, or a Flush marker (flush set, no result).
type request struct {
	r     monitor.Result
	flush bool
	ack   chan error // buffered: the committer never blocks on a caller that gave up
}

// NewBatcher starts a Batcher writing to s. maxBatch below 1 is taken as 1;
// maxDelay of 0 or less commits whatever has gathered without waiting. A
// nil logger discards. Close it to stop; Close does not close s.
func NewBatcher(s Store, maxBatch int, maxDelay time.Duration, logger *slog.Logger) *Batcher {
	maxBatch = max(maxBatch, 1)
	b := &Batcher{
		s:             s,
		maxBatch:      maxBatch,
		maxDelay:      maxDelay,
		log:           orDiscard(logger),
		commitTimeout: time.Minute,
		reqs:          make(chan request, maxBatch),
		done:          make(chan struct{}),
	}
	go b.run()
	return b
}

// Add stores r and returns once it is committed (nil) or its batch failed.
// An invalid result is refused at once, so that it cannot fail the batch
// of other callers. If ctx ends first Add returns ctx's error; the result
// may then still be committed.
func (b *Batcher) Add(ctx context.Context, r monitor.Result) error {
	if err := ValidateResult(r); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ack, err := b.send(ctx, request{r: r, ack: make(chan error, 1)})
	if err != nil {
		return err
	}
	select {
	case err := <-ack:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Flush returns once every result whose Add began before Flush is
// committed, with the error of the batch it ended (nil when nothing was
// waiting). After Close there is nothing to flush.
func (b *Batcher) Flush(ctx context.Context) error {
	ack, err := b.send(ctx, request{flush: true, ack: make(chan error, 1)})
	if errors.Is(err, ErrClosed) {
		return nil
	}
	if err != nil {
		return err
	}
	select {
	case err := <-ack:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *Batcher) send(ctx context.Context, q request) (chan error, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return nil, ErrClosed
	}
	if !q.flush {
		b.depth.Add(1)
	}
	select {
	case b.reqs <- q:
		return q.ack, nil
	case <-ctx.Done():
		if !q.flush {
			b.depth.Add(-1)
		}
		return nil, ctx.Err()
	}
}

// QueueDepth is the number of results added and not yet committed.
func (b *Batcher) QueueDepth() int { return int(b.depth.Load()) }

// Close commits what was added, stops the Batcher and waits for it. Adds
// after Close fail with ErrClosed.
func (b *Batcher) Close() error {
	b.once.Do(func() {
		b.mu.Lock()
		b.closed = true
		close(b.reqs)
		b.mu.Unlock()
	})
	<-b.done
	return nil
}

func (b *Batcher) run() {
	defer close(b.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		q, ok := <-b.reqs
		if !ok {
			return
		}
		batch := []request{q}
		n := 0
		if !q.flush {
			n = 1
		}
		open := true
		if !q.flush && n < b.maxBatch {
			if b.maxDelay > 0 {
				timer.Reset(b.maxDelay)
			}
		collect:
			for n < b.maxBatch {
				var more bool
				if b.maxDelay > 0 {
					select {
					case q, more = <-b.reqs:
					case <-timer.C:
						break collect
					}
				} else {
					select {
					case q, more = <-b.reqs:
					default:
						break collect
					}
				}
				if !more {
					open = false
					break
				}
				batch = append(batch, q)
				if q.flush {
					break
				}
				n++
			}
			timer.Stop()
		}
		b.commit(batch, n)
		if !open {
			// Close: everything sent is in this batch; reqs is drained.
			return
		}
	}
}

func (b *Batcher) commit(batch []request, n int) {
	var err error
	if n > 0 {
		rs := make([]monitor.Result, 0, n)
		for _, q := range batch {
			if !q.flush {
				rs = append(rs, q.r)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), b.commitTimeout)
		err = b.s.AppendResults(ctx, rs)
		cancel()
		if err != nil {
			b.log.Error("commit results", "results", n, "err", err)
			err = fmt.Errorf("commit batch of %d results: %w", n, err)
		}
		b.depth.Add(-int64(n))
	}
	for _, q := range batch {
		q.ack <- err
	}
}
