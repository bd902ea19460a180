package api

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/slakeeper/slakeeper/internal/agentwire"
	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/schedule"
	"github.com/slakeeper/slakeeper/internal/store"
	"github.com/slakeeper/slakeeper/internal/web"
)

// MaxAgentBody bounds an agent's delivery of results.
const MaxAgentBody = 16 << 20

func (h *handler) handleHeartbeat() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := h.cfg().Monitor(r.PathValue("monitor"))
		tok := auth.Bearer(r)
		if tok == "" {
			tok = r.URL.Query().Get("token")
		}
		// The same answer for an unknown monitor and a wrong token, so the
		// endpoint does not reveal which monitors exist.
		if m == nil || m.Type != monitor.TypeHeartbeat || m.Heartbeat == nil || !matchesHex(m.Heartbeat.TokenSHA256, tok) {
			web.JSON(w, http.StatusUnauthorized, web.Error{Error: "unknown heartbeat monitor or wrong token"})
			return
		}
		state, msg := monitor.Up, ""
		if v := r.URL.Query().Get("state"); v == "down" || v == "fail" {
			state, msg = monitor.Down, "the job reported a failure"
		}
		fact, err := h.results.Beat(r.Context(), m, state, msg)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		out := map[string]string{"status": "recorded"}
		if fact != "" {
			// A backup or restore-test job: its run is evidence too.
			out["fact"] = fact
		}
		web.JSON(w, http.StatusOK, out)
	})
}

func matchesHex(hexHash, token string) bool {
	b, err := hex.DecodeString(hexHash)
	if err != nil || len(b) != 32 || token == "" {
		return false
	}
	var sec config.Secret
	copy(sec[:], b)
	return sec.Matches(token)
}

// agentProtocol answers 426 to an agent that does not speak this
// server's protocol (agentwire.Version), with what to upgrade, instead of
// misreading it; every answer states the server's version.
func agentProtocol(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(agentwire.Header, strconv.Itoa(agentwire.Version))
		if err := agentwire.CheckVersion(r.Header.Get(agentwire.Header), "agent"); err != nil {
			web.JSON(w, http.StatusUpgradeRequired, web.Error{Error: err.Error()})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (h *handler) handleAgentMonitors() http.Handler {
	return agentProtocol(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		loc := auth.Location(r)
		out := agentwire.Monitors{Location: loc, Monitors: []agentwire.Monitor{}}
		for _, m := range h.cfg().Monitors {
			if m.Type != monitor.TypeHeartbeat && schedule.RunsAt(m, loc) {
				out.Monitors = append(out.Monitors, agentwire.FromMonitor(m))
			}
		}
		web.JSON(w, http.StatusOK, out)
	}))
}

func (h *handler) handleAgentAck() http.Handler {
	return agentProtocol(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		loc := auth.Location(r)
		seq, err := h.store.AgentSeq(r.Context(), loc)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, map[string]uint64{"acked_seq": seq})
	}))
}

func (h *handler) handleAgentResults() http.Handler {
	return agentProtocol(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		loc := auth.Location(r)
		var body agentwire.Results
		dec := json.NewDecoder(io.LimitReader(r.Body, MaxAgentBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil {
			web.JSON(w, http.StatusBadRequest, web.Error{Error: "want {\"results\": [...]}: " + err.Error()})
			return
		}
		c := h.cfg()
		results := make([]monitor.Result, len(body.Results))
		for i, wr := range body.Results {
			// The token decides the location; an agent cannot speak for another.
			results[i] = wr.ToResult(loc)
			res := &results[i]
			if res.Seq == 0 {
				web.JSON(w, http.StatusBadRequest, web.Error{Error: "every agent result needs a seq > 0", Field: fmt.Sprintf("results[%d].seq", i)})
				return
			}
			if m := c.Monitor(res.MonitorID); m == nil || !schedule.RunsAt(m, loc) {
				// Kept but not counted: the detector ignores a location a
				// monitor does not have. Refusing would wedge an agent that
				// still holds results of a monitor the configuration moved.
				h.log.Warn("agent result for a monitor not assigned to its location", "monitor", res.MonitorID, "location", loc)
			}
			if err := store.ValidateResult(*res); err != nil {
				web.Fail(h.log, w, r, err)
				return
			}
		}
		if len(results) > 0 {
			if err := h.results.Ingest(r.Context(), results); err != nil {
				web.Fail(h.log, w, r, err)
				return
			}
		}
		seq, err := h.store.AgentSeq(r.Context(), loc)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, map[string]uint64{"acked_seq": seq})
	}))
}
