package admin

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/slakeeper/slakeeper/internal/operatorui"
	"github.com/slakeeper/slakeeper/internal/policy"
	"github.com/slakeeper/slakeeper/internal/reports"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/web"
)

// whatifPage is the what-if page with the form's values and errors.
func (h *handler) whatifPage(r *http.Request, form operatorui.Form) operatorui.Whatif {
	p := operatorui.Whatif{Page: h.opPage(r, "What-if")}
	p.Form = form
	for _, pol := range h.cfg().Policies {
		p.Policies = append(p.Policies, pol.ID)
	}
	return p
}

// handleWhatifPage shows the form, the range preset to the last twelve
// whole months.
func (h *handler) handleWhatifPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := h.now().UTC()
		last := now.AddDate(0, 0, -now.Day()) // the last day of last month
		form := operatorui.Form{Defaults: map[string]string{
			"whatif/from": last.AddDate(0, -11, 1-last.Day()).Format("2006-01"),
			"whatif/to":   last.Format("2006-01"),
		}}
		h.render(w, r, http.StatusOK, "whatif", h.whatifPage(r, form))
	})
}

// handleWhatifForm compares the proposed policy (pasted, or uploaded as
// file) with the policy it replaces and shows the comparison under the
// form. It writes nothing; a refusal shows the form again with the error
// at its field.
func (h *handler) handleWhatifForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, data, err := whatifForm(w, r)
		if err != nil {
			h.message(w, r, http.StatusBadRequest, "Not done", err.Error(), "/admin/whatif")
			return
		}
		res, err := reports.WhatIf(r.Context(), h.cfg(), h.store, reports.WhatIfQuery{Proposed: data, Name: "policy", Replaces: strings.TrimSpace(v.Get("replaces")),
			From: strings.TrimSpace(v.Get("from")), To: strings.TrimSpace(v.Get("to")), Customer: strings.TrimSpace(v.Get("customer")), AsOf: h.now().UTC()})
		v.Del("file")
		form := formOf("whatif", v, nil)
		form.Values["policy"] = string(data)
		if err != nil {
			if !sla.IsInput(err) {
				h.failPage(w, r, err)
				return
			}
			field := "policy"
			var in *sla.InputError
			if errors.As(err, &in) {
				switch in.Field {
				case "from", "to", "replaces":
					field = in.Field
				}
			}
			form.Errors[field] = err.Error()
			h.render(w, r, http.StatusBadRequest, "whatif", h.whatifPage(r, form))
			return
		}
		p := h.whatifPage(r, form)
		p.Result = res
		p.Rows = res.Rows
		if len(p.Rows) > operatorui.WhatifRows {
			p.Rows, p.More = p.Rows[:operatorui.WhatifRows], len(p.Rows)-operatorui.WhatifRows
		}
		h.render(w, r, http.StatusOK, "whatif", p)
	})
}

// whatifForm reads the what-if form, multipart (an uploaded file) or
// not: its fields, and the proposed policy — the uploaded file when one
// was chosen, else the text pasted.
func whatifForm(w http.ResponseWriter, r *http.Request) (url.Values, []byte, error) {
	// A policy document's own limit, and the form's other fields.
	limit := int64(policy.Limits.Bytes + web.MaxForm)
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseForm(); err != nil {
			return nil, nil, &sla.InputError{Msg: fmt.Sprintf("the form could not be read (at most %d bytes)", limit)}
		}
		return r.PostForm, []byte(r.PostForm.Get("policy")), nil
	}
	if err := r.ParseMultipartForm(limit); err != nil {
		return nil, nil, &sla.InputError{Msg: fmt.Sprintf("the form could not be read (at most %d bytes)", limit)}
	}
	defer r.MultipartForm.RemoveAll()
	v := url.Values(r.MultipartForm.Value)
	data := []byte(v.Get("policy"))
	if f, hdr, err := r.FormFile("file"); err == nil {
		defer f.Close()
		if hdr.Size > 0 {
			if data, err = io.ReadAll(io.LimitReader(f, int64(policy.Limits.Bytes)+1)); err != nil {
				return nil, nil, fmt.Errorf("read the uploaded policy: %w", err)
			}
		}
	}
	return v, data, nil
}
