package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/slakeeper/slakeeper/internal/agentwire"
	"github.com/slakeeper/slakeeper/internal/monitor"
)

// The server's agent API.
const (
	pathMonitors = "/api/v1/agent/monitors"
	pathResults  = "/api/v1/agent/results"
	pathAck      = "/api/v1/agent/ack"
)

// Limits on what the agent reads from the server.
const (
	maxMonitorsBody = 32 << 20
	maxSmallBody    = 1 << 20
	maxErrorBody    = 512
)

// StatusError is an answer from the server other than 200.
type StatusError struct {
	Op   string // what the agent asked for
	Code int
	Body string // the start of the answer's body
}

func (e *StatusError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("%s: server answered %d %s", e.Op, e.Code, http.StatusText(e.Code))
	}
	return fmt.Sprintf("%s: server answered %d %s: %s", e.Op, e.Code, http.StatusText(e.Code), e.Body)
}

// monitorList is the body of GET /api/v1/agent/monitors, and of the
// cached copy; monitors are converted from the wire format.
type monitorList struct {
	Location string
	Monitors []*monitor.Monitor
}

// decodeMonitors reads a monitor list in the wire format. A list with a
// monitor without an interval is not one (a cache written by an agent of
// protocol 1, say).
func decodeMonitors(body []byte) (monitorList, error) {
	var w agentwire.Monitors
	if err := json.Unmarshal(body, &w); err != nil {
		return monitorList{}, err
	}
	l := monitorList{Location: w.Location}
	for _, m := range w.Monitors {
		if m.IntervalMS <= 0 {
			return monitorList{}, fmt.Errorf("monitor %q has no interval_ms", m.ID)
		}
		l.Monitors = append(l.Monitors, m.ToMonitor())
	}
	return l, nil
}

// ProtocolError is an answer from a server that does not speak this
// agent's protocol (agentwire.Version): the agent stops with it, since no
// retry can help.
type ProtocolError struct {
	Op  string
	Err error
}

func (e *ProtocolError) Error() string { return e.Op + ": " + e.Err.Error() }
func (e *ProtocolError) Unwrap() error { return e.Err }

// ackAnswer is the body of the acked_seq answers.
type ackAnswer struct {
	AckedSeq *uint64 `json:"acked_seq"`
}

// client speaks the agent API. The token goes only into the Authorization
// header; errors carry the path and status, never the header.
type client struct {
	bases []string // the servers, without a trailing slash
	cur   atomic.Int32
	token string
	hc    *http.Client
}

// monitors fetches the monitors assigned to the agent's location.
func (c *client) monitors(ctx context.Context) (monitorList, []byte, error) {
	body, err := c.do(ctx, http.MethodGet, pathMonitors, nil, maxMonitorsBody)
	if err != nil {
		return monitorList{}, nil, fmt.Errorf("fetch monitors: %w", err)
	}
	l, err := decodeMonitors(body)
	if err != nil {
		return l, nil, fmt.Errorf("fetch monitors: decode answer: %w", err)
	}
	return l, body, nil
}

// send posts a batch of results and returns the server's acknowledged seq.
func (c *client) send(ctx context.Context, rs []monitor.Result) (uint64, error) {
	batch := agentwire.Results{Results: make([]agentwire.Result, len(rs))}
	for i, r := range rs {
		batch.Results[i] = agentwire.FromResult(r)
	}
	data, err := json.Marshal(batch)
	if err != nil {
		return 0, fmt.Errorf("send results: encode: %w", err)
	}
	body, err := c.do(ctx, http.MethodPost, pathResults, data, maxSmallBody)
	if err != nil {
		return 0, fmt.Errorf("send results: %w", err)
	}
	seq, err := decodeAck(body)
	if err != nil {
		return 0, fmt.Errorf("send results: %w", err)
	}
	return seq, nil
}

// ack asks the server for the highest seq it has stored for the location.
func (c *client) ack(ctx context.Context) (uint64, error) {
	body, err := c.do(ctx, http.MethodGet, pathAck, nil, maxSmallBody)
	if err != nil {
		return 0, fmt.Errorf("fetch acked seq: %w", err)
	}
	seq, err := decodeAck(body)
	if err != nil {
		return 0, fmt.Errorf("fetch acked seq: %w", err)
	}
	return seq, nil
}

func decodeAck(body []byte) (uint64, error) {
	var a ackAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		return 0, fmt.Errorf("decode answer: %w", err)
	}
	if a.AckedSeq == nil {
		return 0, errors.New("decode answer: no acked_seq")
	}
	return *a.AckedSeq, nil
}

// do makes a request and returns the body of a 200 answer; any other
// status is a *StatusError. A server that cannot be reached or answers
// 5xx is left for the next one (replicas), once round the list; the one
// that answers is asked first next time. Sending results again to
// another replica is safe: the server keeps each seq once.
func (c *client) do(ctx context.Context, method, path string, body []byte, limit int64) ([]byte, error) {
	n := int32(len(c.bases))
	start := c.cur.Load()
	var err error
	for i := range n {
		k := (start + i) % n
		var data []byte
		var code int
		data, code, err = c.once(ctx, c.bases[k], method, path, body, limit)
		if err == nil || (code != 0 && code < 500) || ctx.Err() != nil {
			if err == nil && k != start {
				c.cur.Store(k)
			}
			return data, err
		}
	}
	return nil, err
}

// once makes one request of server base; code is the answer's status, 0
// when none came.
func (c *client) once(ctx context.Context, base, method, path string, body []byte, limit int64) ([]byte, int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set(agentwire.Header, strconv.Itoa(agentwire.Version))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	op := method + " " + path
	if resp.StatusCode == http.StatusUpgradeRequired {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return nil, resp.StatusCode, &ProtocolError{Op: op, Err: fmt.Errorf("the server refuses this agent: %s", strings.TrimSpace(string(snippet)))}
	}
	if resp.StatusCode == http.StatusOK {
		if err := agentwire.CheckVersion(resp.Header.Get(agentwire.Header), "server"); err != nil {
			return nil, resp.StatusCode, &ProtocolError{Op: op, Err: err}
		}
	}
	if resp.StatusCode != http.StatusOK {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		// A server that echoes the request must not get the token into
		// the agent's logs.
		text := string(snippet)
		if c.token != "" {
			text = strings.ReplaceAll(text, c.token, "[token]")
		}
		text = strings.TrimSpace(text)
		return nil, resp.StatusCode, &StatusError{Op: method + " " + path, Code: resp.StatusCode, Body: text}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, 0, fmt.Errorf("read answer: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, resp.StatusCode, fmt.Errorf("answer larger than %d bytes", limit)
	}
	return data, resp.StatusCode, nil
}
