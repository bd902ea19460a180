package sla

import (
	"testing"
	"time"
)

func TestValidCurrency(t *testing.T) {
	for code, want := range map[string]bool{"EUR": true, "USD": true, "NOK": true, "CAD": true, "eur": false, "EUX": false, "EU": false, "": false, "EURO": false} {
		if got := ValidCurrency(code); got != want {
			t.Errorf("ValidCurrency(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestOverlap(t *testing.T) {
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	sub := func(id, cust, pol, start, end string) *Subscription {
		s := &Subscription{ID: id, Customer: cust, Policy: pol, Start: at(start)}
		if end != "" {
			s.End = at(end)
		}
		return s
	}
	jan, jul, dec := "2026-01-01T00:00:00Z", "2026-07-01T00:00:00Z", "2026-12-01T00:00:00Z"
	for _, tt := range []struct {
		name string
		subs []*Subscription
		want string // the later one, "" for none
	}{
		{"one after the other", []*Subscription{sub("a", "acme", "p", jan, jul), sub("b", "acme", "p", jul, "")}, ""},
		{"open-ended then a new one", []*Subscription{sub("a", "acme", "p", jan, ""), sub("b", "acme", "p", jul, "")}, "b"},
		{"listed in reverse", []*Subscription{sub("b", "acme", "p", jul, dec), sub("a", "acme", "p", jan, "")}, "b"},
		{"another policy", []*Subscription{sub("a", "acme", "p", jan, ""), sub("b", "acme", "q", jul, "")}, ""},
		{"a policy and any policy", []*Subscription{sub("a", "acme", "", jan, ""), sub("b", "acme", "q", jul, "")}, "b"},
		{"another customer", []*Subscription{sub("a", "acme", "p", jan, ""), sub("b", "globex", "p", jan, "")}, ""},
	} {
		_, b := Overlap(tt.subs)
		got := ""
		if b != nil {
			got = b.ID
		}
		if got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
