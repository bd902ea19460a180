package store

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
)

// ServerLock takes, for a server on the SQLite database dsn, the lock that
// keeps a second server off the same file: SQLite serves one server (two
// would both run every check and send every notification); several
// replicas run on PostgreSQL. It returns the release. Tools that only
// read or write a little (export, ledger, import) take no lock. For
// PostgreSQL it does nothing.
func ServerLock(dsn string) (release func(), err error) {
	if strings.Contains(dsn, "://") || dsn == ":memory:" || strings.HasPrefix(dsn, "sqlite::memory:") {
		return func() {}, nil
	}
	path := strings.TrimPrefix(dsn, "sqlite:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	lock := path + ".server-lock"
	f, err := os.OpenFile(lock, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", lock, err)
	}
	// flock, not fcntl: it is the lock file's own, and closing it never
	// touches SQLite's locks on the database.
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another slakeeper server is using the SQLite database %s (its lock %s is held): SQLite takes one server; run several replicas on PostgreSQL", path, lock)
		}
		return nil, fmt.Errorf("lock %s: %w", lock, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
