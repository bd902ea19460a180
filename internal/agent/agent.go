// Package agent is the probe agent: it runs the checks the server assigns
// to its location, buffers every result on disk and delivers the results to
// the server in seq order, so that the server can declare a component down
// only when a quorum of locations agrees.
//
// Delivery is at least once and in order; since every result carries a seq
// that is never reused and the server stores by (monitor, location, seq),
// each result is stored once. A result is lost only if the process dies
// before the result reaches the disk, or if the buffer fills up while the
// server is unreachable, in which case the oldest results are dropped with
// a warning.
package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/probe"
	"github.com/slakeeper/slakeeper/internal/schedule"
)

// Defaults for Options.
const (
	DefaultRefreshEvery = 60 * time.Second
	DefaultBatchSize    = 500
	DefaultRetryMin     = time.Second
	DefaultRetryMax     = 60 * time.Second
	defaultHTTPTimeout  = 30 * time.Second
)

// resultQueue is how many results wait between the checks and the disk;
// when it is full, checks wait, rather than results being lost.
const resultQueue = 1024

// writeBatch is the most results written to disk with one fsync.
const writeBatch = 256

// Options configures an Agent.
type Options struct {
	// Server is the base URL of the slakeeper server, such as
	// https://sla.example.com, or several replicas' separated by commas:
	// the agent uses the first that answers and moves to the next when it
	// stops answering.
	Server string
	// Token authenticates the agent to the server. It is a secret: it goes
	// only into the Authorization header and is never logged.
	Token string
	// Location names where the agent checks from, such as "eu"; the server
	// must assign Token to the same location.
	Location string
	// BufferDir holds the results awaiting delivery and the latest monitor
	// list, so that both survive a restart. One agent per directory.
	BufferDir string
	// MaxBufferBytes bounds the buffered results on disk; 0 means
	// DefaultMaxBytes (256 MiB).
	MaxBufferBytes int64
	// Client makes the requests to the server; nil means a client with a
	// 30-second timeout.
	Client *http.Client
	// Run runs one check; nil means the built-in checks of probe.Default.
	Run schedule.RunFunc
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives the agent's logs; nil discards them.
	Logger *slog.Logger
	// RefreshEvery is how often the monitor list is fetched again; 0
	// means 60 seconds.
	RefreshEvery time.Duration
	// BatchSize is the most results sent in one request; 0 means 500.
	BatchSize int
	// RetryMin and RetryMax bound the wait before retrying a failed
	// request, which doubles after each failure; 0 means 1 and 60 seconds.
	RetryMin, RetryMax time.Duration
	// Rand returns random numbers in [0, 1) that spread the retries; nil
	// means math/rand/v2. It must be safe for concurrent use.
	Rand func() float64
	// Concurrency bounds the checks in flight; 0 means the scheduler's
	// default.
	Concurrency int
}

// LogValue keeps the token out of logs that print the options.
func (o Options) LogValue() slog.Value {
	server := o.Server
	if u, err := url.Parse(o.Server); err == nil {
		server = u.Redacted()
	}
	return slog.GroupValue(
		slog.String("server", server),
		slog.String("location", o.Location),
		slog.String("buffer_dir", o.BufferDir),
		slog.String("token", "[redacted]"),
	)
}

// Agent runs a location's checks and delivers their results.
type Agent struct {
	// stop ends Run with a cause (fatal); set by Run.
	stop         context.CancelCauseFunc
	location     string
	server       string // for logs, without any password
	dir          string
	maxBytes     int64
	client       *client
	run          schedule.RunFunc
	now          func() time.Time
	log          *slog.Logger
	refreshEvery time.Duration
	batchSize    int
	retryMin     time.Duration
	retryMax     time.Duration
	rand         func() float64
	concurrency  int

	buf atomic.Pointer[Buffer] // while Run runs
}

// New checks opts and returns an agent; Run starts it.
func New(opts Options) (*Agent, error) {
	var bases, shown []string
	for _, s := range strings.Split(opts.Server, ",") {
		u, err := url.Parse(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("agent: server URL: %w", err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("agent: server URL %q: want http:// or https:// and a host", u.Redacted())
		}
		bases = append(bases, strings.TrimRight(strings.TrimSpace(s), "/"))
		shown = append(shown, u.Redacted())
	}
	switch {
	case opts.Token == "":
		return nil, errors.New("agent: no token")
	case opts.Location == "":
		return nil, errors.New("agent: no location")
	case opts.Location == monitor.LocalLocation:
		return nil, fmt.Errorf("agent: location %q is the server's own", opts.Location)
	case opts.BufferDir == "":
		return nil, errors.New("agent: no buffer directory")
	case opts.RefreshEvery < 0, opts.BatchSize < 0, opts.RetryMin < 0, opts.RetryMax < 0, opts.MaxBufferBytes < 0:
		return nil, errors.New("agent: negative option")
	}
	a := &Agent{
		location:     opts.Location,
		server:       strings.Join(shown, ","),
		dir:          opts.BufferDir,
		maxBytes:     opts.MaxBufferBytes,
		run:          opts.Run,
		now:          opts.Now,
		log:          opts.Logger,
		refreshEvery: cmpOr(opts.RefreshEvery, DefaultRefreshEvery),
		batchSize:    cmpOr(opts.BatchSize, DefaultBatchSize),
		retryMin:     cmpOr(opts.RetryMin, DefaultRetryMin),
		retryMax:     cmpOr(opts.RetryMax, DefaultRetryMax),
		rand:         opts.Rand,
		concurrency:  opts.Concurrency,
	}
	a.retryMax = max(a.retryMax, a.retryMin)
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.rand == nil {
		a.rand = rand.Float64
	}
	if a.run == nil {
		reg, now := probe.Default(), a.now
		a.run = func(ctx context.Context, m *monitor.Monitor) monitor.Result {
			return reg.Run(ctx, m, now)
		}
	}
	hc := opts.Client
	if hc == nil {
		hc = &http.Client{Timeout: defaultHTTPTimeout}
	}
	a.client = &client{bases: bases, token: opts.Token, hc: hc}
	return a, nil
}

func cmpOr[T int | int64 | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// Run opens the buffer, fetches the monitors, runs their checks and
// delivers the results until ctx is done. It then waits for the checks in
// flight, buffers their results and returns nil; what is not yet delivered
// is sent by the next Run on the same BufferDir. It returns an error only
// if the buffer cannot be opened.
func (a *Agent) Run(ctx context.Context) error {
	buf, err := OpenBuffer(a.dir, BufferOptions{MaxBytes: a.maxBytes, Logger: a.log})
	if err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	defer buf.Close()
	a.buf.Store(buf)
	defer a.buf.Store(nil)
	st := buf.Stats()
	a.log.Info("agent starting", "server", a.server, "location", a.location,
		"buffered_bytes", st.Bytes, "next_seq", st.NextSeq, "acked_seq", st.AckedSeq)

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	a.stop = cancel
	results := make(chan monitor.Result, resultQueue)
	wake := make(chan struct{}, 1)
	sched := schedule.New(schedule.Options{
		Run:         a.run,
		Location:    a.location,
		Concurrency: a.concurrency,
		Now:         a.now,
		OnResult:    func(r monitor.Result) { results <- r },
		Logger:      a.log,
	})
	cached, ms, ok := a.loadCache()
	if ok {
		// Checks go on while the server is unreachable at start-up.
		sched.Update(ms)
		a.log.Info("running the cached monitor list until the server answers", "monitors", len(ms))
	}

	var wg sync.WaitGroup
	wg.Go(func() { a.refresh(ctx, sched, cached) })
	wg.Go(func() { a.deliver(ctx, buf, wake) })
	written := make(chan struct{})
	go func() {
		defer close(written)
		a.write(buf, results, wake)
	}()

	err = sched.Run(ctx)
	// The scheduler has delivered the results of its last checks: write
	// them, then stop the rest.
	close(results)
	<-written
	cancel(nil)
	wg.Wait()
	st = buf.Stats()
	a.log.Info("agent stopped", "undelivered_from_seq", st.AckedSeq+1, "next_seq", st.NextSeq)
	var pe *ProtocolError
	if errors.As(context.Cause(ctx), &pe) {
		return fmt.Errorf("agent: %w", pe)
	}
	return err
}

// fatal stops the agent when err says the server speaks another protocol:
// no retry can help, and results sent on would be misread. Buffered
// results stay for an upgraded agent to send.
func (a *Agent) fatal(err error) bool {
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		return false
	}
	a.log.Error("the agent and the server speak different agent protocols; stopping", "err", err)
	a.stop(pe)
	return true
}

// BufferStats returns the statistics of the buffer while Run runs, for
// metrics: among them the count of results dropped because the buffer was
// full. It returns the zero value when Run is not running.
func (a *Agent) BufferStats() BufferStats {
	if b := a.buf.Load(); b != nil {
		return b.Stats()
	}
	return BufferStats{}
}

// write moves results from the checks to the buffer, many to an fsync,
// and wakes the sender.
func (a *Agent) write(buf *Buffer, results <-chan monitor.Result, wake chan<- struct{}) {
	batch := make([]monitor.Result, 0, writeBatch)
	for r := range results {
		batch = append(batch[:0], r)
	fill:
		for len(batch) < writeBatch {
			select {
			case r, ok := <-results:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		if _, err := buf.Append(batch...); err != nil {
			a.log.Error("results could not be buffered and may be lost", "results", len(batch), "err", err)
		}
		select {
		case wake <- struct{}{}:
		default:
		}
	}
}

// refresh fetches the monitor list now and every refreshEvery, retrying
// sooner after a failure, and hands it to the scheduler. last is the list
// as cached, so that an unchanged list is neither logged nor saved again.
func (a *Agent) refresh(ctx context.Context, sched *schedule.Scheduler, last []byte) {
	bo := a.backoff(min(a.retryMax, a.refreshEvery))
	for {
		wait := a.refreshEvery
		list, body, err := a.client.monitors(ctx)
		if err == nil && list.Location != a.location {
			err = fmt.Errorf("fetch monitors: the server assigns this agent's token to location %q, not %q", list.Location, a.location)
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			wait = bo.next()
			if a.fatal(err) {
				return
			}
			a.logFailure("fetching monitors failed; checks go on with the previous list", err, wait)
		} else {
			bo.reset()
			changed := string(body) != string(last)
			ms := a.assigned(list.Monitors, changed)
			sched.Update(ms)
			if changed {
				a.log.Info("monitor list updated", "monitors", len(ms))
				if err := writeFileAtomic(a.dir, monitorFile, body); err != nil {
					a.log.Warn("monitor list not cached", "err", err)
				}
				last = body
			}
		}
		if !sleep(ctx, wait) {
			return
		}
	}
}

// assigned keeps the monitors that run at the agent's location; the
// server sends only those, but a check run at the wrong place is false
// evidence. It warns about the others if warn is set.
func (a *Agent) assigned(ms []*monitor.Monitor, warn bool) []*monitor.Monitor {
	out := slices.DeleteFunc(slices.Clone(ms), func(m *monitor.Monitor) bool {
		return m == nil || !schedule.RunsAt(m, a.location)
	})
	if n := len(ms) - len(out); n > 0 && warn {
		a.log.Warn("ignoring monitors not assigned to this location", "monitors", n, "location", a.location)
	}
	return out
}

// loadCache returns the monitor list saved by an earlier run, as saved
// and as monitors to schedule.
func (a *Agent) loadCache() ([]byte, []*monitor.Monitor, bool) {
	data, err := os.ReadFile(filepath.Join(a.dir, monitorFile))
	if err != nil {
		return nil, nil, false
	}
	l, err := decodeMonitors(data)
	if err != nil || l.Location != a.location {
		return nil, nil, false
	}
	return data, a.assigned(l.Monitors, true), true
}

// deliver sends the buffered results in seq order, one batch at a time,
// until ctx is done. A batch is retried, unchanged, until the server
// acknowledges it.
func (a *Agent) deliver(ctx context.Context, buf *Buffer, wake <-chan struct{}) {
	bo := a.backoff(a.retryMax)
	for {
		seq, err := a.client.ack(ctx)
		if err == nil {
			a.resume(buf, seq)
			break
		}
		if ctx.Err() != nil {
			return
		}
		if a.fatal(err) {
			return
		}
		wait := bo.next()
		a.logFailure("asking the server for its acknowledged seq failed", err, wait)
		if !sleep(ctx, wait) {
			return
		}
	}
	bo.reset()

	var batch []monitor.Result
	for {
		if len(batch) == 0 {
			var err error
			batch, err = buf.Pending(buf.Acked(), a.batchSize)
			if err != nil {
				wait := bo.next()
				a.log.Error("reading the buffer failed", "err", err, "retry_in", wait)
				if !sleep(ctx, wait) {
					return
				}
				continue
			}
			if len(batch) == 0 {
				select {
				case <-ctx.Done():
					return
				case <-wake:
				}
				continue
			}
		}
		first, last := batch[0].Seq, batch[len(batch)-1].Seq
		acked, err := a.client.send(ctx, batch)
		if err == nil && acked < first {
			err = fmt.Errorf("send results: server acknowledged seq %d, below the batch's first seq %d", acked, first)
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if a.fatal(err) {
				return
			}
			wait := bo.next()
			a.logFailure("sending results failed", err, wait,
				"from_seq", first, "to_seq", last)
			if !sleep(ctx, wait) {
				return
			}
			continue
		}
		bo.reset()
		if acked > last {
			a.log.Warn("the server acknowledged seqs this agent has not sent; is another agent reporting for this location?",
				"acked_seq", acked, "sent_to_seq", last)
			acked = last
		}
		if err := buf.Ack(acked); err != nil {
			// Not fatal: the mark moved in memory, and after a restart the
			// server drops what it is sent again.
			a.log.Error("recording the acknowledgement failed", "acked_seq", acked, "err", err)
		}
		// Normally the whole batch; if not, the rest is sent again.
		i, _ := slices.BinarySearchFunc(batch, acked+1, func(r monitor.Result, seq uint64) int {
			return cmpSeq(r.Seq, seq)
		})
		batch = batch[i:]
	}
}

func cmpSeq(x, y uint64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// resume reconciles the buffer with the server's acknowledged seq after a
// start.
func (a *Agent) resume(buf *Buffer, serverAcked uint64) {
	st := buf.Stats()
	last := st.NextSeq - 1
	switch {
	case serverAcked > last:
		// The buffer directory was lost or replaced: new results must get
		// seqs the server has not seen, or it would drop them as copies.
		// Results buffered before this point (the server was unreachable
		// at start-up) keep their low seqs; the server keeps those whose
		// (monitor, seq) it has not seen.
		a.log.Warn("the server has seqs beyond this agent's buffer; was the buffer directory replaced? Continuing after them",
			"server_acked_seq", serverAcked, "buffer_last_seq", last)
		if err := buf.AdvanceSeq(serverAcked + 1); err != nil {
			a.log.Error("advancing the seq failed", "err", err)
		}
	case serverAcked > st.AckedSeq:
		// The server stored these before the agent recorded its answer.
		if err := buf.Ack(serverAcked); err != nil {
			a.log.Error("recording the acknowledgement failed", "acked_seq", serverAcked, "err", err)
		}
	case serverAcked < st.AckedSeq:
		a.log.Warn("the server has lost results it acknowledged; they are no longer buffered and are not sent again",
			"server_acked_seq", serverAcked, "agent_acked_seq", st.AckedSeq)
	}
	a.log.Info("delivering results", "from_seq", buf.Acked()+1)
}

// logFailure logs a failed request and when it is retried. A rejected
// token gets its own message, without the token.
func (a *Agent) logFailure(msg string, err error, wait time.Duration, attrs ...any) {
	attrs = append(attrs, "retry_in", wait)
	var se *StatusError
	if errors.As(err, &se) {
		switch {
		case se.Code == http.StatusUnauthorized || se.Code == http.StatusForbidden:
			a.log.Error(msg+": the server rejected the agent's token; check the token and location",
				append(attrs, "status", se.Code, "location", a.location)...)
			return
		case se.Code >= 400 && se.Code < 500 && se.Code != http.StatusRequestTimeout && se.Code != http.StatusTooManyRequests:
			// Retrying will not help until the server or the agent is
			// changed, but giving up would lose results.
			a.log.Error(msg, append(attrs, "err", err)...)
			return
		}
	}
	a.log.Warn(msg, append(attrs, "err", err)...)
}

func (a *Agent) backoff(maxWait time.Duration) *backoff {
	return &backoff{min: min(a.retryMin, maxWait), max: maxWait, rand: a.rand}
}
