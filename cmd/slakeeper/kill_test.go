package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/agentwire"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/store"
)

// TestKill9LosesNothingAcknowledged runs the real binary, streams agent
// results into it, kills it with SIGKILL mid-stream, restarts it, and
// checks that every result the server had acknowledged is stored and that
// the schedule resumes.
func TestKill9LosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	f := newServeFixture(t)
	bin := filepath.Join(f.dir, "slakeeper")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	base := "http://" + addr
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve", "--addr", addr, "--config", f.cfg, "--database", f.db)
		cmd.Env = os.Environ()
		for k, v := range f.env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		var logs bytes.Buffer
		cmd.Stderr = &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			if resp, err := http.Get(base + "/readyz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return cmd
				}
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("not ready:\n%s", logs.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	cmd := start()
	// Stream batches of 50 results from location eu; remember the highest
	// seq the server acknowledged before the kill.
	var acked uint64
	stopAt := time.Now().Add(1500 * time.Millisecond)
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	seq := uint64(0)
	killed := make(chan struct{})
	go func() {
		<-time.After(time.Until(stopAt))
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		close(killed)
	}()
stream:
	for {
		var rs []monitor.Result
		for range 50 {
			seq++
			rs = append(rs, monitor.Result{MonitorID: "web-global", At: t0.Add(time.Duration(seq) * time.Millisecond), State: monitor.Up, Seq: seq, Duration: time.Millisecond})
		}
		b, _ := json.Marshal(wireResults(rs))
		req, _ := http.NewRequest("POST", base+"/api/v1/agent/results", bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+agentToken("eu"))
		req.Header.Set(agentwire.Header, strconv.Itoa(agentwire.Version))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			break stream // the server is gone
		}
		var ack struct {
			Acked uint64 `json:"acked_seq"`
		}
		if resp.StatusCode == 200 && json.NewDecoder(resp.Body).Decode(&ack) == nil {
			acked = ack.Acked
		}
		resp.Body.Close()
	}
	<-killed
	if acked == 0 {
		t.Fatal("no batch was acknowledged before the kill")
	}

	// What the store holds after the kill, read directly.
	st, err := store.Open(context.Background(), f.db, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.AgentSeq(context.Background(), "eu")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := st.Results(context.Background(), "web-global", t0, t0.Add(time.Hour))
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if got < acked || uint64(len(rs)) < acked {
		t.Fatalf("after kill -9: stored seq %d and %d results, but %d were acknowledged", got, len(rs), acked)
	}
	seen := map[uint64]bool{}
	for _, r := range rs {
		if seen[r.Seq] {
			t.Fatalf("seq %d stored twice", r.Seq)
		}
		seen[r.Seq] = true
	}
	for s := uint64(1); s <= acked; s++ {
		if !seen[s] {
			t.Fatalf("acknowledged seq %d lost", s)
		}
	}

	// Restart: the agent resumes from the server's mark and the local
	// monitor's checks continue.
	before := countLocal(t, f.db)
	cmd = start()
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	code, body := call(t, "GET", base+"/api/v1/agent/ack", agentToken("eu"), nil)
	var ack struct {
		Acked uint64 `json:"acked_seq"`
	}
	if code != 200 || json.Unmarshal(body, &ack) != nil || ack.Acked < acked {
		t.Fatalf("ack after restart: got %d %s, want acked_seq ≥ %d", code, body, acked)
	}
	deadline := time.Now().Add(15 * time.Second)
	for countLocal(t, f.db) <= before {
		if time.Now().After(deadline) {
			t.Fatal("the local monitor did not resume after the restart")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func countLocal(tb testing.TB, db string) int {
	tb.Helper()
	st, err := store.Open(context.Background(), db, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	rs, err := st.Results(context.Background(), "web-local", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		tb.Fatal(err)
	}
	return len(rs)
}
