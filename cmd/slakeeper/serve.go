package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/server"
	"github.com/slakeeper/slakeeper/internal/store"
)

const serveUsage = `slakeeper serve runs the server: it checks the configured monitors,
keeps every result and confirmed outage in the evidence store, and answers
the API (/healthz, /readyz, /metrics, /api/v1/reports, heartbeats, agents).

With no flags it runs the built-in demo configuration on an SQLite file
./slakeeper.db: its monitors watch endpoints the server itself exposes.

Usage:
  slakeeper serve [--addr HOST:PORT] [--config FILE] [--database DSN]

The configuration reloads on SIGHUP and when the file changes; a bad file
is refused with the error and the previous configuration keeps running.

Examples:
  slakeeper serve
  slakeeper serve --config slakeeper.yaml --database postgres://slakeeper@db/slakeeper
  curl -H 'Authorization: Bearer slakeeper-demo-viewer' 'http://127.0.0.1:8080/api/v1/reports?period=2026-11'
`

func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, &usageError{fmt.Sprintf("--log-format: want text or json, got %q", format)}
}

// hostAddr is the address the demo monitors call: an unspecified listen
// host becomes loopback.
func hostAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

func loadConfig(path string, getenv func(string) string, addr string) (*config.Config, error) {
	if path == "" {
		return config.Demo(addr)
	}
	return config.Load(path, getenv)
}

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", serveUsage, stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	cfgPath := fs.String("config", "", "configuration file (YAML); empty runs the built-in demo")
	dsn := fs.String("database", envOr(getenv, "SLAKEEPER_DATABASE", "slakeeper.db"), "evidence store: an SQLite file path or postgres://… (env SLAKEEPER_DATABASE)")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file until shutdown (for benchmarks)")
	memProfile := fs.String("memprofile", "", "write an allocation profile to this file at shutdown (for benchmarks)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	if *memProfile != "" {
		defer func() {
			f, err := os.Create(*memProfile)
			if err == nil {
				err = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
			if err != nil {
				fmt.Fprintf(stderr, "memory profile: %v\n", err)
			}
		}()
	}
	log, err := newLogger(stderr, *logFormat)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	self := hostAddr(ln.Addr())
	cfg, err := loadConfig(*cfgPath, getenv, self)
	if err != nil {
		return err
	}
	release, err := store.ServerLock(*dsn)
	if err != nil {
		return err
	}
	defer release()
	st, err := store.Open(ctx, *dsn, log)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	srv, err := server.New(server.Options{Store: st, Config: cfg, Logger: log})
	if err != nil {
		return err
	}
	httpSrv := server.NewHTTPServer(srv.Handler(), server.DefaultHTTPLimits, log)
	// The reverse proxies may hold many connections: the timeouts bound
	// theirs; every other client address is bounded in number too.
	ln = server.LimitPerClient(ln, server.DefaultHTTPLimits.PerClient, func(ip net.IP) bool {
		a, ok := netip.AddrFromSlice(ip)
		if !ok {
			return false
		}
		a = a.Unmap()
		for _, p := range srv.Config().Server.TrustedProxies {
			if p.Contains(a) {
				return true
			}
		}
		return a.IsLoopback()
	})
	log.Info("slakeeper serving", "addr", "http://"+self, "config", cfgName(cfg), "database", redact(*dsn), "monitors", len(cfg.Monitors))

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var runErr, httpErr error
	wg.Go(func() {
		runErr = srv.Run(ctx)
		cancel()
	})
	wg.Go(func() {
		if err := httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			httpErr = err
		}
		cancel()
	})
	if *cfgPath != "" {
		wg.Go(func() { watchConfig(ctx, *cfgPath, getenv, self, srv, log) })
	} else {
		// SIGHUP must not kill a demo server: there is just nothing to reload.
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		wg.Go(func() {
			defer signal.Stop(hup)
			for {
				select {
				case <-ctx.Done():
					return
				case <-hup:
					log.Info("SIGHUP: the built-in demo configuration has nothing to reload")
				}
			}
		})
	}
	<-ctx.Done()
	log.Info("shutting down")
	shutdownCtx, stop := context.WithTimeout(context.Background(), 15*time.Second)
	defer stop()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	wg.Wait()
	if httpErr != nil {
		return fmt.Errorf("serve http: %w", httpErr)
	}
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		return runErr
	}
	return nil
}

func cfgName(c *config.Config) string {
	if c.Demo {
		return "built-in demo"
	}
	return c.File
}

// redact hides a password in a database URL.
func redact(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		if j := strings.Index(dsn[i+3:], "@"); j >= 0 {
			cred := dsn[i+3 : i+3+j]
			if u, _, ok := strings.Cut(cred, ":"); ok {
				return dsn[:i+3] + u + ":***" + dsn[i+3+j:]
			}
		}
	}
	return dsn
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// watchConfig reloads the configuration on SIGHUP and when the file's
// modification time or size changes. A bad file is refused, logged, and the
// running configuration stays.
func watchConfig(ctx context.Context, path string, getenv func(string) string, self string, srv *server.Server, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	stamp := func() string {
		fi, err := os.Stat(path)
		if err != nil {
			return ""
		}
		return fmt.Sprint(fi.ModTime().UnixNano(), fi.Size())
	}
	last := stamp()
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		case <-tick.C:
			if s := stamp(); s == last {
				continue
			}
		}
		last = stamp()
		cfg, err := loadConfig(path, getenv, self)
		if err != nil {
			srv.ReloadFailed(err)
			log.Error("configuration refused; the previous one keeps running", "file", path, "err", err)
			continue
		}
		srv.Reload(cfg)
	}
}
