// Package web holds what every HTTP surface of the server shares: the one
// shape of an API error, the mapping of errors to HTTP statuses, and the
// reading of request bodies with errors that name the field. It knows no
// route and no service.
package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/slakeeper/slakeeper/internal/sla"
)

// MaxBody bounds a JSON request body of the incident, maintenance and
// subscriber APIs; with it every fact written stays far below the 1 MiB
// line limit of the fact format. MaxForm bounds a form body likewise.
const (
	MaxBody = 64 << 10
	MaxForm = MaxBody
)

// Error is the one shape of every API error body.
type Error struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

// JSON writes v as the indented JSON answer with code.
func JSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// Fail maps an error to its HTTP status in one place: input errors are the
// client's (400, shown whole), unknown objects 404, refused states 409;
// anything else is logged and reported as an internal error without
// detail.
func Fail(log *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	var in *sla.InputError
	var nf *sla.NotFoundError
	var ce *sla.ConflictError
	switch {
	case errors.As(err, &in):
		JSON(w, http.StatusBadRequest, Error{Error: in.Error(), Field: in.Field})
	case sla.IsInput(err):
		JSON(w, http.StatusBadRequest, Error{Error: err.Error()})
	case errors.As(err, &nf):
		JSON(w, http.StatusNotFound, Error{Error: nf.Msg})
	case errors.As(err, &ce):
		JSON(w, http.StatusConflict, Error{Error: ce.Msg, Field: ce.Field})
	default:
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		JSON(w, http.StatusInternalServerError, Error{Error: "internal error"})
	}
}

// Decode reads one JSON object of at most MaxBody bytes into v, refusing
// unknown fields, with errors that name the field.
func Decode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, MaxBody+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			return &sla.InputError{Field: te.Field, Msg: fmt.Sprintf("want %s, got a JSON %s", te.Type.Kind(), te.Value)}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return &sla.InputError{Field: f, Msg: "unknown field"}
		case errors.As(err, &se):
			return &sla.InputError{Msg: fmt.Sprintf("body: not valid JSON at byte %d (at most %d bytes)", se.Offset, MaxBody)}
		case errors.Is(err, io.EOF):
			return &sla.InputError{Msg: "body: want a JSON object"}
		default:
			return &sla.InputError{Msg: "body: " + err.Error()}
		}
	}
	if dec.More() {
		return &sla.InputError{Msg: "body: one JSON object only"}
	}
	return nil
}

// ParseForm reads a form body of at most MaxForm bytes. A body too large
// or malformed is an input error.
func ParseForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxForm)
	if err := r.ParseForm(); err != nil {
		return nil, &sla.InputError{Msg: fmt.Sprintf("the form could not be read (at most %d bytes)", MaxForm)}
	}
	return r.PostForm, nil
}

// BaseURL is the server's public address as the request reached it.
func BaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// PublicURL is the configured public address (configured, without a
// trailing slash), or the address of the request when none is configured
// and there is a request.
func PublicURL(configured string, r *http.Request) string {
	if configured != "" {
		return configured
	}
	if r != nil {
		return BaseURL(r)
	}
	return ""
}
