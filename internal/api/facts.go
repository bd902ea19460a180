package api

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/intake"
	"github.com/slakeeper/slakeeper/internal/web"
)

// MaxFactsBody bounds a request of POST /api/v1/facts: 32 MiB, some
// 100,000 facts of a helpdesk or backup export; bigger files go in
// batches (slakeeper import).
const MaxFactsBody = 32 << 20

// handleFacts adds evidence facts in the format of docs/facts.md, all or
// nothing: JSON Lines, or a JSON array of facts (its elements count as
// lines 1, 2, …).
func (h *handler) handleFacts() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxFactsBody))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			web.JSON(w, http.StatusRequestEntityTooLarge, intake.Refusal{Error: fmt.Sprintf("body: more than %d bytes; send the facts in batches (slakeeper import)", MaxFactsBody)})
			return
		}
		if err != nil {
			web.JSON(w, http.StatusBadRequest, intake.Refusal{Error: "body: " + err.Error()})
			return
		}
		res, ferr, err := h.intake.Add(r.Context(), auth.Who(r), body, slog.LevelInfo)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		if ferr != nil {
			web.JSON(w, ferr.Status(), ferr)
			return
		}
		web.JSON(w, http.StatusOK, res)
	})
}
