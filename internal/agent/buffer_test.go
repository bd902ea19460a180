package agent

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

// openBuffer opens dir and closes the buffer when the test ends.
func openBuffer(tb testing.TB, dir string, opts BufferOptions) *Buffer {
	tb.Helper()
	b, err := OpenBuffer(dir, opts)
	if err != nil {
		tb.Fatalf("OpenBuffer: %v", err)
	}
	tb.Cleanup(func() { b.Close() })
	return b
}

// makeResults returns results named r<from>, r<from+1>, … without seqs.
func makeResults(from, n int) []monitor.Result {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var rs []monitor.Result
	for i := from; i < from+n; i++ {
		rs = append(rs, monitor.Result{
			MonitorID: "web",
			Location:  "eu",
			At:        at.Add(time.Duration(i) * time.Second),
			Duration:  20 * time.Millisecond,
			State:     monitor.Up,
			Message:   fmt.Sprintf("r%d", i),
			Latency:   15 * time.Millisecond,
		})
	}
	return rs
}

// withSeqs returns rs numbered from first.
func withSeqs(rs []monitor.Result, first uint64) []monitor.Result {
	out := slices.Clone(rs)
	for i := range out {
		out[i].Seq = first + uint64(i)
	}
	return out
}

func appendAll(tb testing.TB, b *Buffer, rs []monitor.Result) uint64 {
	tb.Helper()
	last, err := b.Append(rs...)
	if err != nil {
		tb.Fatalf("Append: %v", err)
	}
	return last
}

func pending(tb testing.TB, b *Buffer, after uint64, limit int) []monitor.Result {
	tb.Helper()
	rs, err := b.Pending(after, limit)
	if err != nil {
		tb.Fatalf("Pending(%d, %d): %v", after, limit, err)
	}
	return rs
}

func seqsOf(rs []monitor.Result) []uint64 {
	var out []uint64
	for _, r := range rs {
		out = append(out, r.Seq)
	}
	return out
}

func seqRange(from, to uint64) []uint64 {
	var out []uint64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

func segmentFiles(tb testing.TB, dir string) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(dir, segPrefix+"*"+segSuffix))
	if err != nil {
		tb.Fatal(err)
	}
	return files
}

// syncBuffer is a log destination safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func TestBufferRoundTrip(t *testing.T) {
	dir := t.TempDir()
	// Small segments, so that reads and acks cross segment boundaries.
	b := openBuffer(t, dir, BufferOptions{SegmentBytes: 400})
	rs := makeResults(1, 9)
	if got := appendAll(t, b, rs[:4]); got != 4 {
		t.Fatalf("Append: got last seq %d, want 4", got)
	}
	for _, r := range rs[4:] {
		appendAll(t, b, []monitor.Result{r})
	}
	want := withSeqs(rs, 1)
	if diff := cmp.Diff(want, pending(t, b, 0, 100)); diff != "" {
		t.Fatalf("Pending(0, 100) (-want +got):\n%s", diff)
	}
	if n := len(segmentFiles(t, dir)); n < 3 {
		t.Fatalf("segments: got %d, want at least 3", n)
	}

	reads := []struct {
		after uint64
		limit int
		want  []uint64
	}{
		{0, 2, []uint64{1, 2}},
		{2, 3, []uint64{3, 4, 5}},
		{5, 3, []uint64{6, 7, 8}},
		{8, 3, []uint64{9}},
		{9, 3, nil},
		{1, 1, []uint64{2}}, // backwards, behind the cursor
		{4, 100, []uint64{5, 6, 7, 8, 9}},
	}
	for _, r := range reads {
		if got := seqsOf(pending(t, b, r.after, r.limit)); !slices.Equal(got, r.want) {
			t.Errorf("Pending(%d, %d): got seqs %v, want %v", r.after, r.limit, got, r.want)
		}
	}

	if err := b.Ack(5); err != nil {
		t.Fatalf("Ack(5): %v", err)
	}
	if got := b.Acked(); got != 5 {
		t.Errorf("Acked: got %d, want 5", got)
	}
	if err := b.Ack(3); err != nil {
		t.Fatalf("Ack(3): %v", err)
	}
	if got := b.Acked(); got != 5 {
		t.Errorf("Acked after an older ack: got %d, want 5", got)
	}
	if diff := cmp.Diff(want[5:], pending(t, b, b.Acked(), 100)); diff != "" {
		t.Errorf("Pending after Ack(5) (-want +got):\n%s", diff)
	}
	if err := b.Ack(9); err != nil {
		t.Fatalf("Ack(9): %v", err)
	}
	if st := b.Stats(); st.Segments != 0 || st.Bytes != 0 {
		t.Errorf("after acking all: got %d segments, %d bytes, want 0, 0", st.Segments, st.Bytes)
	}
	if files := segmentFiles(t, dir); len(files) != 0 {
		t.Errorf("segment files after acking all: got %v, want none", files)
	}
	if got := appendAll(t, b, makeResults(10, 1)); got != 10 {
		t.Errorf("Append after acking all: got seq %d, want 10", got)
	}
}

func TestBufferReopen(t *testing.T) {
	tests := []struct {
		name string
		// setup fills dir and closes its buffer.
		setup       func(t *testing.T, dir string)
		wantPending []uint64
		wantAcked   uint64
		wantNext    uint64
	}{
		{
			name: "unacked records survive",
			setup: func(t *testing.T, dir string) {
				b := openBuffer(t, dir, BufferOptions{SegmentBytes: 400})
				appendAll(t, b, makeResults(1, 5))
				if err := b.Ack(2); err != nil {
					t.Fatal(err)
				}
				b.Close()
			},
			wantPending: []uint64{3, 4, 5},
			wantAcked:   2,
			wantNext:    6,
		},
		{
			name: "all acked and deleted: the state file keeps the seq",
			setup: func(t *testing.T, dir string) {
				b := openBuffer(t, dir, BufferOptions{})
				appendAll(t, b, makeResults(1, 3))
				if err := b.Ack(3); err != nil {
					t.Fatal(err)
				}
				b.Close()
			},
			wantAcked: 3,
			wantNext:  4,
		},
		{
			name: "crash after saving the ack, before deleting its segment",
			setup: func(t *testing.T, dir string) {
				b := openBuffer(t, dir, BufferOptions{})
				appendAll(t, b, makeResults(1, 3))
				b.Close()
				if err := writeFileAtomic(dir, stateFile, []byte(`{"next_seq":4,"acked_seq":3}`)); err != nil {
					t.Fatal(err)
				}
			},
			wantAcked: 3,
			wantNext:  4,
		},
		{
			name: "state file lost: the seq comes from the segments",
			setup: func(t *testing.T, dir string) {
				b := openBuffer(t, dir, BufferOptions{})
				appendAll(t, b, makeResults(1, 3))
				if err := b.Ack(1); err != nil {
					t.Fatal(err)
				}
				b.Close()
				if err := os.Remove(filepath.Join(dir, stateFile)); err != nil {
					t.Fatal(err)
				}
			},
			// The ack is forgotten, so 1 is sent again; the server keeps
			// the first copy.
			wantPending: []uint64{1, 2, 3},
			wantNext:    4,
		},
		{
			name: "records dropped for room: their seqs are not reused",
			setup: func(t *testing.T, dir string) {
				b := openBuffer(t, dir, BufferOptions{MaxBytes: 1000, SegmentBytes: 300})
				appendAll(t, b, makeResults(1, 20))
				b.Close()
			},
			wantPending: []uint64{17, 18, 19, 20}, // four 202-byte records fit in 1000
			wantNext:    21,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.setup(t, dir)
			b := openBuffer(t, dir, BufferOptions{MaxBytes: 1000, SegmentBytes: 300})
			if got := seqsOf(pending(t, b, b.Acked(), 100)); !slices.Equal(got, tt.wantPending) {
				t.Errorf("pending seqs: got %v, want %v", got, tt.wantPending)
			}
			st := b.Stats()
			if st.AckedSeq != tt.wantAcked || st.NextSeq != tt.wantNext {
				t.Errorf("acked, next: got %d, %d, want %d, %d", st.AckedSeq, st.NextSeq, tt.wantAcked, tt.wantNext)
			}
			if got := appendAll(t, b, makeResults(100, 1)); got != tt.wantNext {
				t.Errorf("Append: got seq %d, want %d", got, tt.wantNext)
			}
		})
	}
}

func TestBufferTornTail(t *testing.T) {
	tests := []struct {
		name string
		tail string
	}{
		{"record cut short", `{"MonitorID":"web","Location":"eu","At":"2026-03-01T12:00`},
		{"zeros from a lost data block", "\x00\x00\x00\x00\x00\x00\x00\x00"},
		{"whole record without its newline", `{"MonitorID":"web","Location":"eu","State":"up","Seq":4}`},
		{"garbage line", "}{\n"},
		{"cut after the newline of a partial record", "{\"MonitorID\":\"web\",\"Seq\":4\n\x00\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			logs := &syncBuffer{}
			log := slog.New(slog.NewTextHandler(logs, nil))
			b := openBuffer(t, dir, BufferOptions{Logger: log})
			appendAll(t, b, makeResults(1, 3))
			b.Close()

			files := segmentFiles(t, dir)
			if len(files) != 1 {
				t.Fatalf("segments: got %v, want one", files)
			}
			before, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(files[0], append(slices.Clone(before), tt.tail...), 0o600); err != nil {
				t.Fatal(err)
			}

			b = openBuffer(t, dir, BufferOptions{Logger: log})
			if got := seqsOf(pending(t, b, 0, 100)); !slices.Equal(got, []uint64{1, 2, 3}) {
				t.Errorf("pending seqs: got %v, want [1 2 3]", got)
			}
			after, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(after, before) {
				t.Errorf("segment after reopening: got %q, want the %d bytes before the torn tail", after, len(before))
			}
			if !strings.Contains(logs.String(), "torn") {
				t.Errorf("logs: got %q, want a warning about the torn tail", logs.String())
			}
			if got := appendAll(t, b, makeResults(4, 1)); got != 4 {
				t.Errorf("Append: got seq %d, want 4", got)
			}
			b.Close()

			b = openBuffer(t, dir, BufferOptions{Logger: log})
			want := withSeqs(makeResults(1, 4), 1)
			if diff := cmp.Diff(want, pending(t, b, 0, 100)); diff != "" {
				t.Errorf("pending after appending past the truncation (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBufferFullDropsOldest(t *testing.T) {
	const total = 60
	tests := []struct {
		name  string
		batch int
		ack   uint64 // acknowledged after the first 8 results, before any drop
	}{
		{name: "one at a time", batch: 1},
		{name: "in batches", batch: 7},
		{name: "some acknowledged", batch: 1, ack: 6},
		{name: "batch larger than the buffer", batch: total},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const maxBytes = 2000
			logs := &syncBuffer{}
			b := openBuffer(t, t.TempDir(), BufferOptions{
				MaxBytes:     maxBytes,
				SegmentBytes: 500,
				Logger:       slog.New(slog.NewTextHandler(logs, nil)),
			})
			rs := makeResults(1, total)
			for i := 0; i < total; i += tt.batch {
				appendAll(t, b, rs[i:min(i+tt.batch, total)])
				if tt.ack > 0 && i+tt.batch == 8 {
					if err := b.Ack(tt.ack); err != nil {
						t.Fatal(err)
					}
				}
				if st := b.Stats(); st.Bytes > maxBytes {
					t.Fatalf("after %d results: got %d bytes, want at most %d", i+tt.batch, st.Bytes, maxBytes)
				}
			}

			st := b.Stats()
			left := pending(t, b, b.Acked(), 1000)
			if len(left) == 0 {
				t.Fatal("pending: got none, want the newest results")
			}
			first := left[0].Seq
			if got, want := seqsOf(left), seqRange(first, total); !slices.Equal(got, want) {
				t.Errorf("pending seqs: got %v, want %v", got, want)
			}
			if diff := cmp.Diff(withSeqs(rs, 1)[first-1:], left); diff != "" {
				t.Errorf("pending (-want +got):\n%s", diff)
			}
			// Every result is delivered, acknowledged or counted.
			if want := uint64(total) - st.AckedSeq - uint64(len(left)); st.Dropped != want {
				t.Errorf("Dropped: got %d, want %d", st.Dropped, want)
			}
			if st.Dropped == 0 {
				t.Error("Dropped: got 0, want some")
			}
			if !strings.Contains(logs.String(), "buffer full") {
				t.Errorf("logs: got %q, want a warning about the full buffer", logs.String())
			}
		})
	}
}
