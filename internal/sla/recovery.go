package sla

import (
	"slices"
	"time"

	"github.com/slakeeper/slakeeper/internal/timeline"
)

// EvaluateRecovery computes the recovery objectives of a plan over one period
// as of asOf. It returns nil when r is nil. A fact counts when its component
// is one of components or empty (the whole service), and only when it is at
// or before asOf, as later facts have not happened yet.
//
//   - Disasters: each one declared within the period (Start ≤ At < End) is
//     reported, oldest first. Restored is the first restoration of it at or
//     after the declaration. RecoveryMinutes is restored − declared, or
//     asOf − declared while not restored. RTOMet holds when restored and
//     restored − declared ≤ r.RTO (exactly equal is met). DataLossMinutes is
//     declared − the last successful backup at or before the declaration
//     (a backup of the disaster's component or of the whole service; any
//     counted backup for a whole-service disaster), nil when there is none;
//     RPOMet holds when it is ≤ r.RPO, MaxDataLossMet when it is ≤
//     r.MaxDataLoss (the same loss against a second, looser bound; nil when
//     MaxDataLoss is zero). A zero RTO or RPO is no objective and is always
//     met.
//   - Backups: LongestGapMinutes is the longest gap between successful
//     backups within [period start, min(period end, asOf)), counted from the
//     last backup before the period (or the period start if none) to the
//     first one in it, between successive ones, and from the last one to the
//     window's end. BackupsMet holds when it is ≤ r.BackupEvery, or when
//     BackupEvery is zero. Before the period starts there is no gap.
//   - Restore tests: RestoreTests counts the successful tests within the
//     period; RestoreTestsMet holds when it is ≥ r.RestoreTests.
//
// Facts cite every fact used: the disasters with their restorations and
// backups, the backups behind the gaps and the restore tests counted.
func EvaluateRecovery(plan string, r *Recovery, period timeline.Interval, ev *Evidence, components []string, asOf time.Time) *RecoveryReport {
	if r == nil {
		return nil
	}
	if ev == nil {
		ev = &Evidence{}
	}
	rep := &RecoveryReport{
		Plan:               plan,
		Disasters:          []*DisasterResult{},
		BackupEveryMinutes: oblMinutes(r.BackupEvery),
		RestoreTestsWanted: r.RestoreTests,
		Facts:              []string{},
	}
	cite := func(id string) {
		if !slices.Contains(rep.Facts, id) {
			rep.Facts = append(rep.Facts, id)
		}
	}
	covered := func(component string) bool {
		return component == "" || slices.Contains(components, component)
	}
	inPeriod := func(t time.Time) bool {
		return period.Contains(t) && !t.After(asOf)
	}

	// The successful backups that count, oldest first.
	var backups []*Backup
	for _, b := range ev.Backups {
		if b != nil && b.OK && covered(b.Component) && !b.At.After(asOf) {
			backups = append(backups, b)
		}
	}
	slices.SortStableFunc(backups, func(a, b *Backup) int { return a.At.Compare(b.At) })

	var disasters []*Disaster
	for _, d := range ev.Disasters {
		if d != nil && covered(d.Component) && inPeriod(d.At) {
			disasters = append(disasters, d)
		}
	}
	slices.SortStableFunc(disasters, func(a, b *Disaster) int { return a.At.Compare(b.At) })
	for _, d := range disasters {
		res := &DisasterResult{
			Disaster:   d.ID,
			Declared:   d.At.UTC(),
			RTOMinutes: oblMinutes(r.RTO),
			RPOMinutes: oblMinutes(r.RPO),
			Facts:      []string{d.ID},
		}
		var restored *Restoration
		for _, x := range ev.Restorations {
			if x != nil && x.Disaster == d.ID && !x.At.Before(d.At) && !x.At.After(asOf) &&
				(restored == nil || x.At.Before(restored.At)) {
				restored = x
			}
		}
		end := asOf
		if restored != nil {
			end = restored.At
			at := restored.At.UTC()
			res.Restored = &at
			res.Facts = append(res.Facts, restored.ID)
		}
		res.RecoveryMinutes = oblMinutes(end.Sub(d.At))
		res.RTOMet = r.RTO == 0 || (restored != nil && end.Sub(d.At) <= r.RTO)

		var last *Backup
		for _, b := range backups {
			if b.At.After(d.At) {
				break
			}
			if d.Component == "" || b.Component == "" || b.Component == d.Component {
				last = b
			}
		}
		if last != nil {
			loss := oblMinutes(d.At.Sub(last.At))
			res.DataLossMinutes = &loss
			res.Facts = append(res.Facts, last.ID)
		}
		res.RPOMet = r.RPO == 0 || (last != nil && d.At.Sub(last.At) <= r.RPO)
		res.MaxDataLossMinutes = oblMinutes(r.MaxDataLoss)
		if r.MaxDataLoss > 0 {
			met := last != nil && d.At.Sub(last.At) <= r.MaxDataLoss
			res.MaxDataLossMet = &met
		}
		rep.Disasters = append(rep.Disasters, res)
		for _, id := range res.Facts {
			cite(id)
		}
	}

	// Backup gaps within [period start, min(period end, asOf)).
	windowEnd := period.End
	if asOf.Before(windowEnd) {
		windowEnd = asOf
	}
	var longest time.Duration
	if windowEnd.After(period.Start) {
		prev := period.Start
		i, _ := slices.BinarySearchFunc(backups, period.Start, func(b *Backup, t time.Time) int { return b.At.Compare(t) })
		if i > 0 {
			prev = backups[i-1].At
			cite(backups[i-1].ID)
		}
		for _, b := range backups[i:] {
			if !b.At.Before(windowEnd) {
				break
			}
			longest = max(longest, b.At.Sub(prev))
			prev = b.At
			cite(b.ID)
		}
		longest = max(longest, windowEnd.Sub(prev))
	}
	rep.LongestGapMinutes = oblMinutes(longest)
	rep.BackupsMet = r.BackupEvery == 0 || longest <= r.BackupEvery

	for _, t := range ev.RestoreTests {
		if t != nil && t.OK && covered(t.Component) && inPeriod(t.At) {
			rep.RestoreTests++
			cite(t.ID)
		}
	}
	rep.RestoreTestsMet = rep.RestoreTests >= r.RestoreTests
	return rep
}
