package server

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/slakeeper/slakeeper/internal/web"
)

func (s *Server) handleHealth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		web.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

func (s *Server) handleReady() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if !s.ready.Load() {
			web.JSON(w, http.StatusServiceUnavailable, map[string]string{"status": "starting"})
			return
		}
		if err := s.store.Ping(ctx); err != nil {
			s.log.Warn("readiness: store unreachable", "err", err)
			web.JSON(w, http.StatusServiceUnavailable, map[string]string{"status": "store unreachable"})
			return
		}
		web.JSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
}

func (s *Server) handleMetrics() http.Handler {
	return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})
}

// handleDemo serves the endpoints the demo configuration monitors: one
// always fine, one slow, one that fails for two minutes in every ten.
func (s *Server) handleDemo() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.Config().Demo {
			http.NotFound(w, r)
			return
		}
		now := s.now()
		switch r.PathValue("name") {
		case "ok":
			web.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
		case "slow":
			select {
			case <-time.After(1500 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
			web.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
		case "flaky":
			if now.Minute()%10 < 2 {
				web.JSON(w, http.StatusServiceUnavailable, map[string]string{"status": "down"})
				return
			}
			web.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
		default:
			http.NotFound(w, r)
		}
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// logRequests logs API calls (not probes of /healthz or the demo) without
// their credentials.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The public pages are not logged: no recorder for them, as they are
		// what a crowd reloads.
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			next.ServeHTTP(w, r)
			return
		}
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		start := time.Now()
		next.ServeHTTP(rec, r)
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.code), slog.Duration("took", time.Since(start)))
	})
}
