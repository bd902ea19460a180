package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/web"
)

// MaxPolicyBody bounds the proposed policy of a what-if: a policy
// document's own limit (policy.Limits.Bytes), which the parser checks
// again.
const MaxPolicyBody = 1 << 20

// handleWhatif evaluates the proposed policy in the body (YAML) over the
// stored evidence of ?from … ?to, beside the configured policy it
// replaces (?replaces, default the proposal's id). It reads and computes;
// it writes nothing.
func (h *handler) handleWhatif() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		asOf := h.now().UTC()
		if v := q.Get("as_of"); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				web.JSON(w, http.StatusBadRequest, web.Error{Error: "want an RFC 3339 time", Field: "as_of"})
				return
			}
			asOf = t.UTC()
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxPolicyBody))
		if err != nil {
			var mb *http.MaxBytesError
			if errors.As(err, &mb) {
				web.JSON(w, http.StatusRequestEntityTooLarge, web.Error{Error: fmt.Sprintf("body: more than the %d bytes a policy may have", MaxPolicyBody)})
				return
			}
			web.Fail(h.log, w, r, &sla.InputError{Msg: "body: " + err.Error()})
			return
		}
		res, err := reports.WhatIf(r.Context(), h.cfg(), h.store, reports.WhatIfQuery{Proposed: body, Name: "body", Replaces: q.Get("replaces"),
			From: q.Get("from"), To: q.Get("to"), Customer: q.Get("customer"), AsOf: asOf})
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, res)
	})
}
