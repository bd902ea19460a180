package sla

import "golang.org/x/text/currency"

// ValidCurrency reports whether code is an ISO 4217 currency code, in
// capitals ("EUR", not "eur" nor "EUX").
func ValidCurrency(code string) bool {
	u, err := currency.ParseISO(code)
	return err == nil && u.String() == code
}

// Overlap finds, in subs, two subscriptions of one customer to one policy
// (the same, or either naming none) in force at the same time: the engine
// could not tell which plan covers that time. b is the one starting
// later (or listed later); nil when there is none.
func Overlap(subs []*Subscription) (a, b *Subscription) {
	for j, s := range subs {
		for _, o := range subs[:j] {
			if o.Customer != s.Customer || (o.Policy != "" && s.Policy != "" && o.Policy != s.Policy) {
				continue
			}
			if s.Start.Before(endOr(o.End)) && o.Start.Before(endOr(s.End)) {
				if s.Start.Before(o.Start) {
					return s, o
				}
				return o, s
			}
		}
	}
	return nil, nil
}
