package notify

import (
	"context"
	"log/slog"
	"time"
)

// Backoff is an exponential backoff policy with full jitter.
type Backoff struct {
	// Attempts is the total number of tries, including the first (at least 1).
	Attempts int
	// Initial is the base delay before the second try.
	Initial time.Duration
	// Max caps every delay.
	Max time.Duration
	// Multiplier grows the base delay after each try; 2 if zero.
	Multiplier float64
	// Jitter in [0,1] is the fraction of each delay that is randomised:
	// the delay is base*(1-Jitter) + base*Jitter*Rand().
	Jitter float64
	// Rand returns a number in [0,1); nil means no randomness (Rand()=0.5).
	Rand func() float64
	// Now stamps Attempt records; nil leaves At zero.
	Now func() time.Time
	// OnAttempt, if set, receives one record per try so callers can keep a
	// delivery log per subscriber.
	OnAttempt func(Attempt)
}

// Attempt is one delivery try, for the delivery log.
type Attempt struct {
	Notifier  string
	MessageID string
	At        time.Time
	// Err is the failure, or nil on success.
	Err error
	// Status is the receiver's HTTP status code when it answered with an
	// error, 0 otherwise.
	Status int
}

// Delay returns the wait before try n+1, after n failed tries (n >= 1).
func (b Backoff) Delay(n int) time.Duration {
	mult := b.Multiplier
	if mult <= 0 {
		mult = 2
	}
	base := float64(b.Initial)
	for i := 1; i < n; i++ {
		base *= mult
		if b.Max > 0 && base > float64(b.Max) {
			base = float64(b.Max)
			break
		}
	}
	if b.Max > 0 && base > float64(b.Max) {
		base = float64(b.Max)
	}
	r := 0.5
	if b.Rand != nil {
		r = b.Rand()
	}
	j := min(max(b.Jitter, 0), 1)
	return time.Duration(base*(1-j) + base*j*r)
}

// Sleep waits for d or until ctx is done; it is the production sleep for
// Deliver.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Deliver sends m through n, retrying with policy's backoff until it
// succeeds, fails permanently, runs out of attempts or ctx ends. It returns
// the number of tries made and the last error.
func Deliver(ctx context.Context, n Notifier, m Message, policy Backoff, sleep func(context.Context, time.Duration) error, log *slog.Logger) (attempts int, err error) {
	tries := max(policy.Attempts, 1)
	for attempts = 1; ; attempts++ {
		err = n.Send(ctx, m)
		if policy.OnAttempt != nil {
			a := Attempt{Notifier: n.Name(), MessageID: m.ID, Err: err, Status: Status(err)}
			if policy.Now != nil {
				a.At = policy.Now()
			}
			policy.OnAttempt(a)
		}
		if err == nil {
			log.Debug("notification delivered", "notifier", n.Name(), "message", m.ID, "attempts", attempts)
			return attempts, nil
		}
		if IsPermanent(err) || attempts >= tries || ctx.Err() != nil {
			log.Warn("notification failed", "notifier", n.Name(), "message", m.ID, "attempts", attempts, "permanent", IsPermanent(err), "err", err)
			return attempts, err
		}
		d := policy.Delay(attempts)
		log.Info("notification retry", "notifier", n.Name(), "message", m.ID, "attempt", attempts, "delay", d, "err", err)
		if serr := sleep(ctx, d); serr != nil {
			return attempts, err
		}
	}
}
