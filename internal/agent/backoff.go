package agent

import (
	"context"
	"time"
)

// backoff spaces out retries: the wait doubles from min to max after each
// failure, and each wait is drawn from its upper half so that agents that
// lost the server together do not come back in step.
type backoff struct {
	min, max time.Duration
	rand     func() float64 // in [0, 1)
	n        int
}

// next returns how long to wait before the next retry.
func (b *backoff) next() time.Duration {
	d := b.min
	for i := 0; i < b.n && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	b.n++
	return d - time.Duration(b.rand()*float64(d/2))
}

// reset starts again from min after a success.
func (b *backoff) reset() { b.n = 0 }

// sleep waits for d, or less if ctx ends first; it reports whether the
// whole wait passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
