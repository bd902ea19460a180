package incident

import (
	"fmt"
	"maps"
	"slices"

	"github.com/slakeeper/slakeeper/internal/sla"
)

// ValidOpenStatus reports whether an incident may be opened with status s:
// investigating, identified or monitoring.
func ValidOpenStatus(s string) bool {
	return s == StatusInvestigating || s == StatusIdentified || s == StatusMonitoring
}

// ValidUpdateStatus reports whether an update may carry status s: one of
// Statuses, or update (a message only).
func ValidUpdateStatus(s string) bool {
	return slices.Contains(Statuses, s) || s == StatusUpdate
}

// CheckStatus returns an input error naming field unless ok(s).
func CheckStatus(field, s string, ok func(string) bool, want string) error {
	if !ok(s) {
		return &sla.InputError{Field: field, Msg: fmt.Sprintf("want %s, got %q", want, s)}
	}
	return nil
}

// CheckCause refuses a cause that is not one of sla.Causes; empty is
// allowed when optional.
func CheckCause(field, c string, optional bool) error {
	if c == "" && optional {
		return nil
	}
	if !sla.ValidCause(sla.Cause(c)) {
		return &sla.InputError{Field: field, Msg: fmt.Sprintf("want liable, maintenance, force_majeure, third_party, customer or ddos, got %q", c)}
	}
	return nil
}

// Impacts checks a component → impact status map: every component known
// and every status one of sla.Statuses. Errors name field.component.
// required refuses an empty map.
func Impacts(field string, m map[string]string, known func(string) bool, required bool) (map[string]sla.Status, error) {
	if len(m) == 0 && required {
		return nil, &sla.InputError{Field: field, Msg: `name at least one component and its impact, e.g. {"api": "major_outage"}`}
	}
	out := make(map[string]sla.Status, len(m))
	for _, c := range slices.Sorted(maps.Keys(m)) {
		if !known(c) {
			return nil, &sla.InputError{Field: field + "." + c, Msg: fmt.Sprintf("unknown component %q", c)}
		}
		st := sla.Status(m[c])
		if st.Rank() < 0 {
			return nil, &sla.InputError{Field: field + "." + c, Msg: fmt.Sprintf("want operational, degraded_performance, under_maintenance, partial_outage or major_outage, got %q", m[c])}
		}
		out[c] = st
	}
	return out, nil
}

// Components checks a list of component ids: at least one, each known,
// none twice.
func Components(field string, cs []string, known func(string) bool) error {
	if len(cs) == 0 {
		return &sla.InputError{Field: field, Msg: "name at least one component"}
	}
	seen := map[string]bool{}
	for i, c := range cs {
		if !known(c) {
			return &sla.InputError{Field: fmt.Sprintf("%s[%d]", field, i), Msg: fmt.Sprintf("unknown component %q", c)}
		}
		if seen[c] {
			return &sla.InputError{Field: fmt.Sprintf("%s[%d]", field, i), Msg: fmt.Sprintf("component %q is listed twice", c)}
		}
		seen[c] = true
	}
	return nil
}
