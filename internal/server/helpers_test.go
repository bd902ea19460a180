package server

import (
	"encoding/json"
	"time"

	"github.com/slakeeper/slakeeper/internal/store"
)

// rfc3339 is t as facts and the API write times.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// fact is a stored fact of v in the wire format.
func fact(typ, id string, at time.Time, v any) (store.Fact, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return store.Fact{}, err
	}
	return store.Fact{ID: id, Type: typ, At: at, JSON: body}, nil
}
