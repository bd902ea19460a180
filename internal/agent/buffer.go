package agent

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

// DefaultMaxBytes bounds the buffer when BufferOptions leaves MaxBytes 0:
// about a day of results from a thousand monitors checked every 30 seconds.
const DefaultMaxBytes = 256 << 20

// maxSegmentBytes is the size at which a segment is closed and a new one
// begun, unless a small MaxBytes asks for smaller segments: the cap is
// enforced by deleting whole segments, so each is a small part of it.
const maxSegmentBytes = 16 << 20

// Files in the buffer directory.
const (
	segPrefix   = "seg-"
	segSuffix   = ".jsonl"
	stateFile   = "state.json"
	lockFile    = "lock"
	tmpSuffix   = ".tmp"
	monitorFile = "monitors.json"
)

// BufferOptions configures a Buffer.
type BufferOptions struct {
	// MaxBytes bounds the segment files on disk; 0 means DefaultMaxBytes.
	// When a new record would exceed it, the oldest segment is deleted,
	// unacknowledged records and all, with a warning.
	MaxBytes int64
	// SegmentBytes is the size at which a segment is closed and a new one
	// begun; 0 means MaxBytes/16, at most 16 MiB.
	SegmentBytes int64
	// Logger logs dropped and damaged records; nil discards.
	Logger *slog.Logger
}

// BufferStats describes a buffer, for metrics and tests.
type BufferStats struct {
	// Bytes and Segments are the size and number of the segment files.
	Bytes    int64
	Segments int
	// NextSeq is the seq the next record gets; AckedSeq the highest the
	// server has acknowledged.
	NextSeq  uint64
	AckedSeq uint64
	// Dropped counts records lost since the buffer was opened: unacked
	// records deleted to keep within MaxBytes, and results that could not
	// be encoded.
	Dropped uint64
}

// Buffer is the agent's on-disk queue of results awaiting delivery.
//
// Records are JSON lines, one monitor.Result each with its Seq set, in
// append-only segment files named seg-<first seq, 20 digits>.jsonl; a record
// counts as buffered once its line, newline included, is fsync'd. A state
// file holds the highest seq the server acknowledged and a floor for the
// next seq; it is rewritten (write, fsync, rename) on every Ack and before
// any segment is deleted, so the seqs of deleted records are never handed
// out again. On open, the next seq is one past the largest of the state's
// floor, the acknowledged seq and every seq in the segments. A line without
// its newline or that does not parse, at the end of a segment, is the torn
// tail of a write a crash interrupted: it never counted as buffered, was
// never sent, and is truncated away.
//
// A Buffer is safe for concurrent use. One process at a time may open a
// directory; a lock file enforces it where the platform has flock.
type Buffer struct {
	dir      string
	maxBytes int64
	segBytes int64
	log      *slog.Logger
	lock     *os.File

	mu        sync.Mutex
	segs      []*segment // oldest first
	active    *os.File   // open for appends to the last segment, or nil
	next      uint64
	acked     uint64
	stateNext uint64 // the next seq as the state file has it
	bytes     int64
	dropped   uint64
	cur       cursor
	closed    bool
}

// segment is one segment file. first and last are the seqs of its first
// and last valid records; count is 0 for a segment with none yet.
type segment struct {
	path        string
	first, last uint64
	count       int
	size        int64
}

// cursor remembers where the last Pending call stopped, so that draining
// a large segment batch by batch does not reread it from the start: every
// line of seg before off has a seq at most seq.
type cursor struct {
	seg *segment
	off int64
	seq uint64
}

// state is the content of the state file.
type state struct {
	NextSeq  uint64 `json:"next_seq"`
	AckedSeq uint64 `json:"acked_seq"`
}

// OpenBuffer opens the buffer in dir, creating it if needed, and recovers
// its records, its acknowledged mark and its next seq.
func OpenBuffer(dir string, opts BufferOptions) (*Buffer, error) {
	if dir == "" {
		return nil, errors.New("open buffer: no directory")
	}
	b := &Buffer{dir: dir, maxBytes: opts.MaxBytes, segBytes: opts.SegmentBytes, log: opts.Logger}
	if b.maxBytes <= 0 {
		b.maxBytes = DefaultMaxBytes
	}
	if b.segBytes <= 0 {
		b.segBytes = min(b.maxBytes/16, maxSegmentBytes)
	}
	b.segBytes = max(b.segBytes, 1)
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open buffer: %w", err)
	}
	lock, err := lockDir(filepath.Join(dir, lockFile))
	if err != nil {
		return nil, fmt.Errorf("open buffer %s: %w", dir, err)
	}
	b.lock = lock
	if err := b.recover(); err != nil {
		lock.Close()
		return nil, fmt.Errorf("open buffer %s: %w", dir, err)
	}
	return b, nil
}

// recover reads the state file and scans the segments.
func (b *Buffer) recover() error {
	st, err := readState(filepath.Join(b.dir, stateFile))
	if err != nil {
		return err
	}
	b.acked, b.stateNext = st.AckedSeq, st.NextSeq

	entries, err := os.ReadDir(b.dir)
	if err != nil {
		return err
	}
	type named struct {
		n    uint64
		path string
	}
	var files []named
	for _, e := range entries {
		name := e.Name()
		if strings.HasSuffix(name, tmpSuffix) {
			// An atomic write a crash interrupted; the old file stands.
			os.Remove(filepath.Join(b.dir, name))
			continue
		}
		if !strings.HasPrefix(name, segPrefix) || !strings.HasSuffix(name, segSuffix) {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(name, segPrefix), segSuffix), 10, 64)
		if err != nil {
			continue
		}
		files = append(files, named{n, filepath.Join(b.dir, name)})
	}
	slices.SortFunc(files, func(x, y named) int {
		if x.n < y.n {
			return -1
		}
		if x.n > y.n {
			return 1
		}
		return 0
	})

	var prev uint64
	for _, f := range files {
		s, err := b.scan(f.path, prev)
		if err != nil {
			return err
		}
		if s.count == 0 || s.last <= b.acked {
			// Empty, or acknowledged and not yet deleted when the process
			// stopped. The state file already covers its seqs.
			if err := os.Remove(f.path); err != nil {
				return err
			}
			continue
		}
		prev = s.last
		b.segs = append(b.segs, s)
		b.bytes += s.size
	}
	b.next = max(b.stateNext, b.acked+1, prev+1)
	if n := len(b.segs); n > 0 && b.segs[n-1].size < b.segBytes {
		f, err := os.OpenFile(b.segs[n-1].path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return err
		}
		b.active = f
	}
	return nil
}

// scan reads one segment, validating each line, and truncates a damaged
// tail. Records must have seqs above prev, the last seq of the segments
// before it.
func (b *Buffer) scan(path string, prev uint64) (*segment, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := &segment{path: path}
	r := bufio.NewReader(f)
	var off, good int64
	bad, tail := 0, 0 // damaged lines, and those after the last valid one
	for {
		line, err := r.ReadBytes('\n')
		off += int64(len(line))
		if len(line) > 0 {
			if seq, ok := parseSeq(line); ok && seq > prev {
				if s.count == 0 {
					s.first = seq
				}
				s.last, prev = seq, seq
				s.count++
				good = off
				tail = 0
			} else {
				bad++
				tail++
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
	}
	if off > good {
		// Only a crash mid-write leaves bytes after the last valid record.
		b.log.Warn("buffer: truncating the torn end of a segment",
			"segment", filepath.Base(path), "bytes", off-good)
		if err := f.Truncate(good); err != nil {
			return nil, fmt.Errorf("truncate %s: %w", path, err)
		}
		if err := f.Sync(); err != nil {
			return nil, fmt.Errorf("sync %s: %w", path, err)
		}
	}
	if skipped := bad - tail; skipped > 0 {
		// Damage before the end is not a torn write; the reader skips the
		// lines, but say so.
		b.log.Warn("buffer: skipping damaged records", "segment", filepath.Base(path), "lines", skipped)
	}
	s.size = good
	return s, nil
}

// parseSeq decodes one line and returns its seq; ok is false for a line
// without its newline, one that does not parse, or one without a seq.
func parseSeq(line []byte) (uint64, bool) {
	r, ok := parseLine(line)
	return r.Seq, ok
}

func parseLine(line []byte) (monitor.Result, bool) {
	var r monitor.Result
	if len(line) == 0 || line[len(line)-1] != '\n' {
		return r, false
	}
	if err := json.Unmarshal(line, &r); err != nil || r.Seq == 0 {
		return r, false
	}
	return r, true
}

func readState(path string) (state, error) {
	var st state
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(data, &st); err != nil {
		// Written by rename, so only damage to the disk gets here. Guessing
		// the seqs could reuse some; the operator decides. Without the file
		// the agent recovers its seqs from the segments and the server.
		return st, fmt.Errorf("read %s (delete it to recover seqs from the segments and the server): %w", path, err)
	}
	return st, nil
}

// Append buffers rs in order, giving each the next seq, and returns the
// last seq given. The records are on disk when it returns. A result that
// cannot be encoded is dropped with a warning. On error, some of rs may
// have been buffered; the seqs of the others are not given out again.
func (b *Buffer) Append(rs ...monitor.Result) (last uint64, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, errors.New("append: buffer closed")
	}
	var chunk bytes.Buffer
	var first uint64
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		err := b.write(chunk.Bytes(), first, last, n)
		chunk.Reset()
		n = 0
		return err
	}
	for _, r := range rs {
		r.Seq = b.next
		line, err := json.Marshal(r)
		if err != nil {
			b.dropped++
			b.log.Warn("buffer: dropping a result that cannot be encoded", "monitor", r.MonitorID, "err", err)
			continue
		}
		line = append(line, '\n')
		size := int64(len(line))
		if size > b.maxBytes {
			b.dropped++
			b.log.Warn("buffer: dropping a result larger than the buffer", "monitor", r.MonitorID, "bytes", size)
			continue
		}
		open := int64(chunk.Len()) // bytes of the segment being filled
		if b.active != nil {
			open += b.segs[len(b.segs)-1].size
		}
		if open > 0 && open+size > b.segBytes {
			if err := flush(); err != nil {
				return last, err
			}
			b.closeActive()
		}
		for b.bytes+int64(chunk.Len())+size > b.maxBytes {
			if len(b.segs) == 0 || (len(b.segs) == 1 && b.active != nil) {
				// The oldest records are in the open segment or not yet
				// written: write them, so that they can go with it.
				if err := flush(); err != nil {
					return last, err
				}
				b.closeActive()
			}
			if len(b.segs) == 0 {
				break // unreachable: an empty buffer has room for a line
			}
			if err := b.dropOldest(); err != nil {
				return last, err
			}
		}
		if n == 0 {
			first = r.Seq
		}
		chunk.Write(line)
		last = r.Seq
		n++
		b.next++
	}
	return last, flush()
}

// write appends n encoded records, seqs first to last, to the open segment,
// beginning a new one if none is open, and fsyncs it.
func (b *Buffer) write(data []byte, first, last uint64, n int) error {
	if b.active == nil {
		path := filepath.Join(b.dir, fmt.Sprintf("%s%020d%s", segPrefix, first, segSuffix))
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("create segment: %w", err)
		}
		if err := syncDir(b.dir); err != nil {
			f.Close()
			os.Remove(path)
			return fmt.Errorf("create segment: %w", err)
		}
		b.active = f
		b.segs = append(b.segs, &segment{path: path})
	}
	s := b.segs[len(b.segs)-1]
	_, err := b.active.Write(data)
	if err == nil {
		err = b.active.Sync()
	}
	if err != nil {
		// Take back what may have been written and leave the file: after a
		// failed fsync its pages cannot be trusted, so the next write
		// begins a new segment.
		b.active.Truncate(s.size)
		b.closeActive()
		if s.count == 0 {
			os.Remove(s.path)
			b.segs = b.segs[:len(b.segs)-1]
		}
		return fmt.Errorf("write segment %s: %w", filepath.Base(s.path), err)
	}
	if s.count == 0 {
		s.first = first
	}
	s.last = last
	s.count += n
	s.size += int64(len(data))
	b.bytes += int64(len(data))
	return nil
}

func (b *Buffer) closeActive() {
	if b.active != nil {
		b.active.Close()
		b.active = nil
	}
}

// dropOldest deletes the oldest segment, which is not open, to make room,
// counting the unacknowledged records in it as dropped.
func (b *Buffer) dropOldest() error {
	s := b.segs[0]
	lost, from := s.count, s.first
	if s.first <= b.acked {
		lost, from = 0, b.acked+1
		if s.last > b.acked {
			rs, err := b.read(s, 0, b.acked, s.count)
			if err != nil {
				return err
			}
			lost = len(rs)
		}
	}
	if err := b.remove(s); err != nil {
		return err
	}
	b.segs = b.segs[1:]
	if lost > 0 {
		b.dropped += uint64(lost)
		b.log.Warn("buffer full: dropped the oldest unacknowledged results",
			"results", lost, "from_seq", from, "to_seq", s.last,
			"max_bytes", b.maxBytes, "dropped_total", b.dropped)
	}
	return nil
}

// remove deletes segment s, first making sure that the state file keeps
// its seqs from being given out again.
func (b *Buffer) remove(s *segment) error {
	if b.stateNext <= s.last {
		if err := b.saveState(b.acked); err != nil {
			return err
		}
	}
	if err := os.Remove(s.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete segment: %w", err)
	}
	b.bytes -= s.size
	if b.cur.seg == s {
		b.cur = cursor{}
	}
	return nil
}

// saveState writes the state file with acked and the next seq.
func (b *Buffer) saveState(acked uint64) error {
	data, err := json.Marshal(state{NextSeq: b.next, AckedSeq: acked})
	if err != nil {
		return err
	}
	if err := writeFileAtomic(b.dir, stateFile, data); err != nil {
		return fmt.Errorf("save buffer state: %w", err)
	}
	b.stateNext = b.next
	return nil
}

// Pending returns up to limit records with seqs above after, in seq order.
func (b *Buffer) Pending(after uint64, limit int) ([]monitor.Result, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, errors.New("pending: buffer closed")
	}
	var out []monitor.Result
	for _, s := range b.segs {
		if len(out) >= limit {
			break
		}
		if s.count == 0 || s.last <= after {
			continue
		}
		var off int64
		if b.cur.seg == s && b.cur.seq <= after {
			off = b.cur.off
		}
		rs, err := b.read(s, off, after, limit-len(out))
		if err != nil {
			return out, err
		}
		out = append(out, rs...)
	}
	return out, nil
}

// read returns up to limit records of s with seqs above after, starting at
// byte off, and moves the cursor past the last one.
func (b *Buffer) read(s *segment, off int64, after uint64, limit int) ([]monitor.Result, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return nil, fmt.Errorf("read segment: %w", err)
	}
	defer f.Close()
	r := bufio.NewReader(io.NewSectionReader(f, off, s.size-off))
	var out []monitor.Result
	prev := after
	for len(out) < limit {
		line, err := r.ReadBytes('\n')
		off += int64(len(line))
		if rec, ok := parseLine(line); ok && rec.Seq > prev {
			out = append(out, rec)
			prev = rec.Seq
			b.cur = cursor{seg: s, off: off, seq: rec.Seq}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, fmt.Errorf("read segment %s: %w", filepath.Base(s.path), err)
		}
	}
	return out, nil
}

// Ack records that the server has every record up to seq, persists the
// mark and deletes the segments it covers. Seqs at or below the current
// mark are ignored; seqs beyond the last given are taken as the last.
func (b *Buffer) Ack(seq uint64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return errors.New("ack: buffer closed")
	}
	seq = min(seq, b.next-1)
	if seq <= b.acked {
		return nil
	}
	// The mark moves in memory even if it cannot be saved: after a restart
	// the records are sent again, and the server keeps the first copy.
	b.acked = seq
	if err := b.saveState(seq); err != nil {
		return err
	}
	for len(b.segs) > 0 && b.segs[0].last <= seq {
		if len(b.segs) == 1 {
			b.closeActive()
		}
		if err := b.remove(b.segs[0]); err != nil {
			return err
		}
		b.segs = b.segs[1:]
	}
	return nil
}

// AdvanceSeq makes the next seq given at least next, and persists it. The
// agent calls it when the server has seen higher seqs than the buffer
// knows of: a buffer directory lost or replaced.
func (b *Buffer) AdvanceSeq(next uint64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return errors.New("advance seq: buffer closed")
	}
	if next <= b.next {
		return nil
	}
	b.next = next
	return b.saveState(b.acked)
}

// Acked returns the highest seq acknowledged.
func (b *Buffer) Acked() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.acked
}

// Stats returns the buffer's size and counters.
func (b *Buffer) Stats() BufferStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return BufferStats{
		Bytes:    b.bytes,
		Segments: len(b.segs),
		NextSeq:  b.next,
		AckedSeq: b.acked,
		Dropped:  b.dropped,
	}
}

// Close closes the buffer's files and releases the directory.
func (b *Buffer) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	b.closeActive()
	return b.lock.Close()
}

// writeFileAtomic replaces dir/name with data: a crash leaves either the
// old content or the new, never a mix.
func writeFileAtomic(dir, name string, data []byte) error {
	path := filepath.Join(dir, name)
	tmp := path + tmpSuffix
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}
