package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

// extra holds a result's rare measurements in one nullable column, so that
// the common row (an up result with none of them) stays narrow: in
// PostgreSQL a row of at most 8 columns keeps a 24-byte header.
type extra struct {
	Loss *float64 `json:"loss,omitempty"`
	Mbps *float64 `json:"mbps,omitempty"`
	Cert *int64   `json:"cert,omitempty"` // unix ms
}

func encodeExtra(r monitor.Result) (*string, error) {
	if r.PacketLossPct == nil && r.ThroughputMbps == nil && r.CertExpiry == nil {
		return nil, nil
	}
	e := extra{Loss: r.PacketLossPct, Mbps: r.ThroughputMbps}
	if r.CertExpiry != nil {
		c := ms(*r.CertExpiry)
		e.Cert = &c
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode measurements: %w", err)
	}
	s := string(b)
	return &s, nil
}

func decodeExtra(s *string, r *monitor.Result) error {
	if s == nil {
		return nil
	}
	var e extra
	if err := json.Unmarshal([]byte(*s), &e); err != nil {
		return fmt.Errorf("decode stored measurements %q: %w", *s, err)
	}
	r.PacketLossPct = e.Loss
	r.ThroughputMbps = e.Mbps
	if e.Cert != nil {
		t := fromMS(*e.Cert)
		r.CertExpiry = &t
	}
	return nil
}

// factRow is a fact encoded for storage.
type factRow struct {
	id, typ string
	at      *int64 // unix ms; nil for a fact without a time
	body    string // compacted JSON
}

func (f factRow) same(g factRow) bool {
	if f.typ != g.typ || f.body != g.body || (f.at == nil) != (g.at == nil) {
		return false
	}
	return f.at == nil || *f.at == *g.at
}

func (f factRow) fact() Fact {
	return Fact{ID: f.id, Type: f.typ, At: optFromMS(f.at), JSON: []byte(f.body)}
}

func encodeFacts(fs []Fact) ([]factRow, error) {
	rows := make([]factRow, len(fs))
	for i, f := range fs {
		name := fmt.Sprintf("facts[%d]", i)
		if err := checkID(name+".id", f.ID, true); err != nil {
			return nil, err
		}
		if err := checkID(name+".type", f.Type, true); err != nil {
			return nil, err
		}
		if !f.At.IsZero() {
			if err := checkTime(name+".at", f.At); err != nil {
				return nil, err
			}
		}
		if !utf8.Valid(f.JSON) {
			return nil, inputErr(name+".json", "not valid UTF-8")
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, f.JSON); err != nil {
			return nil, inputErr(name+".json", "not valid JSON: %v", err)
		}
		body := buf.Bytes()
		if len(body) == 0 || body[0] != '{' {
			return nil, inputErr(name+".json", "want a JSON object")
		}
		var head struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		}
		if err := json.Unmarshal(body, &head); err != nil {
			return nil, inputErr(name+".json", "want a JSON object with a type and an id: %v", err)
		}
		if head.ID != f.ID {
			return nil, inputErr(name+".json", "its id %q is not the fact's id %q", head.ID, f.ID)
		}
		if head.Type != f.Type {
			return nil, inputErr(name+".json", "its type %q is not the fact's type %q", head.Type, f.Type)
		}
		rows[i] = factRow{id: f.ID, typ: f.Type, at: optMS(f.At), body: string(body)}
	}
	return rows, nil
}

// stateRow is a MonitorState encoded for storage.
type stateRow struct {
	key                seriesKey
	state, confirmed   *int16
	fails, successes   int32
	nextDue, updatedAt *int64
}

func encodeState(s MonitorState) (stateRow, error) {
	if err := validateState(s); err != nil {
		return stateRow{}, err
	}
	st, _ := optStateCode(s.State)
	conf, _ := optStateCode(s.Confirmed)
	return stateRow{
		key:       seriesKey{s.MonitorID, s.Location},
		state:     st,
		confirmed: conf,
		fails:     int32(s.Fails),
		successes: int32(s.Successes),
		nextDue:   optMS(s.NextDue),
		updatedAt: optMS(s.UpdatedAt),
	}, nil
}

func stateFrom(monitorID, location string, state, confirmed *int64, fails, successes int64, nextDue, updatedAt *int64) (MonitorState, error) {
	st, err := optStateFromCode(state)
	if err != nil {
		return MonitorState{}, err
	}
	conf, err := optStateFromCode(confirmed)
	if err != nil {
		return MonitorState{}, err
	}
	return MonitorState{
		MonitorID: monitorID,
		Location:  location,
		State:     st,
		Fails:     int(fails),
		Successes: int(successes),
		Confirmed: conf,
		NextDue:   optFromMS(nextDue),
		UpdatedAt: optFromMS(updatedAt),
	}, nil
}

// minuteFrom decodes a stored minute aggregate.
func minuteFrom(monitorID, location string, minute, up, degraded, down, latSum, latMax int64) Minute {
	return Minute{
		MonitorID:  monitorID,
		Location:   location,
		Minute:     fromMS(minute * msPerMinute),
		Span:       time.Minute,
		Up:         int(up),
		Degraded:   int(degraded),
		Down:       int(down),
		LatencySum: time.Duration(latSum) * time.Microsecond,
		LatencyMax: time.Duration(latMax) * time.Microsecond,
	}
}

// rowScanner is what database/sql's and pgx's rows have in common.
type rowScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanResults reads the rows of a Results query (location, at, duration,
// latency, state, seq, message, extra), the same in both dialects.
func scanResults(monitorID string, rows rowScanner) ([]monitor.Result, error) {
	var out []monitor.Result
	for rows.Next() {
		var (
			loc                 string
			at, dur, lat, state int64
			seq                 *int64
			msg, extra          *string
		)
		if err := rows.Scan(&loc, &at, &dur, &lat, &state, &seq, &msg, &extra); err != nil {
			return nil, fmt.Errorf("read results of %s: %w", monitorID, err)
		}
		r, err := resultFrom(monitorID, loc, at, dur, lat, state, seq, msg, extra)
		if err != nil {
			return nil, fmt.Errorf("read results of %s: %w", monitorID, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read results of %s: %w", monitorID, err)
	}
	return out, nil
}
