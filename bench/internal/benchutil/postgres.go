package benchutil

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
)

// PostgresSchema creates a schema of its own (prefix and a random suffix)
// on the server dsn names, and returns the dsn that uses it, the server's
// version, and drop, which removes the schema (or keeps it, when keep)
// and closes the connection.
func PostgresSchema(ctx context.Context, dsn, prefix string, keep bool) (schemaDSN, version string, drop func() error, err error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", "", nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	if err := conn.QueryRow(ctx, `SHOW server_version`).Scan(&version); err != nil {
		conn.Close(ctx)
		return "", "", nil, err
	}
	schema := fmt.Sprintf("%s_%016x", prefix, rand.Uint64())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		conn.Close(ctx)
		return "", "", nil, fmt.Errorf("create schema: %w", err)
	}
	drop = func() error {
		if !keep {
			if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
				conn.Close(context.Background())
				return err
			}
		}
		return conn.Close(context.Background())
	}
	if schemaDSN, err = withSearchPath(dsn, schema); err != nil {
		return "", "", nil, fmt.Errorf("%w (%v)", err, drop())
	}
	return schemaDSN, version + ", schema " + schema, drop, nil
}

// withSearchPath is dsn with its search_path set to schema.
func withSearchPath(dsn, schema string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse the PostgreSQL URL: %w", err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return dsn + " search_path=" + schema, nil
}
