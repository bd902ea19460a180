package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/store"
)

// ledger close and export on a store: the demo's subscriptions close
// (idempotently) and the export has one CSV line per entry.
func TestLedgerCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "l.db")
	st, err := store.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The demo's acme subscription was down 3 hours in October.
	at := time.Date(2026, 10, 7, 9, 0, 0, 0, time.UTC)
	if err := st.AppendFacts(context.Background(), []store.Fact{
		{ID: "d1", Type: "status", At: at, JSON: []byte(`{"type":"status","id":"d1","at":"2026-10-07T09:00:00Z","component":"api","status":"major_outage"}`)},
		{ID: "d2", Type: "status", At: at.Add(3 * time.Hour), JSON: []byte(`{"type":"status","id":"d2","at":"2026-10-07T12:00:00Z","component":"api","status":"operational"}`)},
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	code, out, errOut := cliRun(t, "ledger", "close", "--period", "2026-10", "--database", db)
	if code != 0 || !strings.Contains(out, "2026-10:") || !strings.Contains(errOut, "closed") {
		t.Fatalf("close: %d %q %q", code, out, errOut)
	}
	if code, out, _ = cliRun(t, "ledger", "close", "--period", "2026-10", "--database", db); code != 0 || !strings.Contains(out, " 0 closed now") {
		t.Errorf("second close: %d %q", code, out)
	}
	code, out, errOut = cliRun(t, "ledger", "export", "--period", "2026-10", "--database", db, "-o", "csv")
	if code != 0 || !strings.HasPrefix(out, "seq,id,kind,customer,subscription,policy,period,currency,amount,at,by,reason,ref,invoice_ref\n") {
		t.Fatalf("export: %d %q %q", code, out, errOut)
	}
	if code, out, _ = cliRun(t, "ledger", "export", "--period", "2026-10", "--database", db, "-o", "json"); code != 0 || !strings.Contains(out, `"totals"`) {
		t.Errorf("export json: %d %q", code, out)
	}
	if code, _, errOut = cliRun(t, "ledger", "export", "--period", "2026-10", "--database", db, "-o", "xml"); code != 2 || !strings.Contains(errOut, "-o") {
		t.Errorf("bad -o: %d %q", code, errOut)
	}
	if code, _, _ = cliRun(t, "ledger", "frob"); code != 2 {
		t.Errorf("unknown subcommand: %d", code)
	}
}
