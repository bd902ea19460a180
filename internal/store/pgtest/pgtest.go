// Package pgtest gives tests a PostgreSQL schema of their own. The server
// is SLAKEEPER_TEST_POSTGRES, or a local one; when it cannot be reached a
// test fails under CI=true and is skipped otherwise.
package pgtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Default is the server used when SLAKEEPER_TEST_POSTGRES is unset.
const Default = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Base returns the server's connection string, after checking that it
// answers.
func Base(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("SLAKEEPER_TEST_POSTGRES")
	if dsn == "" {
		dsn = Default
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err == nil {
		err = conn.Ping(ctx)
		conn.Close(ctx)
	}
	if err != nil {
		msg := fmt.Sprintf("PostgreSQL is unreachable (set SLAKEEPER_TEST_POSTGRES to a server's URL): %v", err)
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return dsn
}

// DSN creates a schema for one test, drops it (with everything in it) at
// cleanup, and returns the server's connection string with search_path set
// to it.
func DSN(tb testing.TB) string {
	tb.Helper()
	return Schema(tb, Base(tb))
}

// Schema is DSN on a server already checked with Base.
func Schema(tb testing.TB, base string) string {
	tb.Helper()
	schema := fmt.Sprintf("st_%016x", rand.Uint64())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	dsn, err := WithParam(base, "search_path", schema)
	if err != nil {
		tb.Fatal(err)
	}
	return dsn
}

// WithParam sets a run-time parameter in a connection string, a URL or
// key=value words.
func WithParam(dsn, key, value string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse connection string: %w", err)
		}
		q := u.Query()
		q.Set(key, value)
		// PostgreSQL reads '+' literally: encode spaces as %20.
		u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
		return u.String(), nil
	}
	return dsn + " " + key + "='" + strings.ReplaceAll(value, "'", `\'`) + "'", nil
}
