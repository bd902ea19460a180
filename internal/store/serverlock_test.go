package store

import (
	"path/filepath"
	"strings"
	"testing"
)

// A second server on one SQLite file is refused, saying why; once the
// first stops, the file is free again. PostgreSQL takes no lock.
func TestServerLock(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	release, err := ServerLock(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ServerLock("sqlite:" + db); err == nil || !strings.Contains(err.Error(), "another slakeeper server is using the SQLite database") ||
		!strings.Contains(err.Error(), "PostgreSQL") {
		t.Errorf("a second server: %v", err)
	}
	release()
	again, err := ServerLock(db)
	if err != nil {
		t.Fatalf("after the first stopped: %v", err)
	}
	again()
	if r, err := ServerLock("postgres://postgres@127.0.0.1/test"); err != nil {
		t.Errorf("postgres: %v", err)
	} else {
		r()
	}
}
