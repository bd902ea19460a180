package sla

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/slakeeper/slakeeper/internal/timeline"
)

// obLoss is a data-loss window in minutes.
func obLoss(d time.Duration) *float64 {
	v := d.Minutes()
	return &v
}

// obTimeP is obTime as a pointer.
func obTimeP(tb testing.TB, s string) *time.Time {
	tb.Helper()
	t := obTime(tb, s)
	return &t
}

// obDailyBackups returns successful backups of component at the given time of
// day on each day from..to of February 2026 (UTC), with the ids b-02-DD.
func obDailyBackups(tb testing.TB, component string, from, to int, clock string) []*Backup {
	tb.Helper()
	var out []*Backup
	for d := from; d <= to; d++ {
		out = append(out, &Backup{ID: fmt.Sprintf("b-02-%02d", d), At: obTime(tb, fmt.Sprintf("2026-02-%02dT%sZ", d, clock)), Component: component, OK: true})
	}
	return out
}

func obIDs(backups []*Backup) []string {
	ids := make([]string, len(backups))
	for i, b := range backups {
		ids[i] = b.ID
	}
	return ids
}

func TestEvaluateRecovery(t *testing.T) {
	const (
		h   = time.Hour
		sec = time.Second
		day = 24 * time.Hour
	)
	// February 2026 in UTC: [2026-02-01T00:00Z, 2026-03-01T00:00Z), 672 h.
	feb := timeline.Period{Kind: timeline.Month, Year: 2026, Index: 2, Loc: time.UTC}.Interval()
	components := []string{"db", "web"}
	// Seed 003: RTO 12 h, RPO 4 h. Seed 001: daily backups, a restore test
	// every month.
	r003 := &Recovery{RTO: 12 * h, RPO: 4 * h}
	r001 := &Recovery{BackupEvery: 24 * h, RestoreTests: 1}

	daily22 := obDailyBackups(t, "db", 1, 28, "22:00:00")
	jan31At20 := &Backup{ID: "b-01-31", At: obTime(t, "2026-01-31T20:00:00Z"), Component: "db", OK: true}
	jan31At22 := &Backup{ID: "b-01-31", At: obTime(t, "2026-01-31T22:00:00Z"), Component: "db", OK: true}
	daily00 := obDailyBackups(t, "", 1, 9, "00:00:00")
	daily00 = append(daily00, &Backup{ID: "b-02-11", At: obTime(t, "2026-02-11T00:00:00Z"), OK: true})
	tests := []struct {
		name string
		r    *Recovery
		ev   *Evidence
		asOf string
		want *RecoveryReport
	}{
		{
			// Declared 10 February 12:00Z, restored 11 February 00:00Z: 12 h =
			// RTO, met. Last backup 08:00Z: 4 h of data = RPO, met. Backups (no
			// cadence objective): 1 February → 10 February 08:00 is 9 days 8 h,
			// then 40 h to asOf (12 February): longest 224 h.
			name: "RTO and RPO met exactly", r: r003,
			ev: &Evidence{
				Backups:      []*Backup{{ID: "b1", At: obTime(t, "2026-02-10T08:00:00Z"), Component: "db", OK: true}},
				Disasters:    []*Disaster{{ID: "d1", At: obTime(t, "2026-02-10T12:00:00Z"), Component: "db"}},
				Restorations: []*Restoration{{ID: "r1", Disaster: "d1", At: obTime(t, "2026-02-11T00:00:00Z")}},
			},
			asOf: "2026-02-12T00:00:00Z",
			want: &RecoveryReport{
				Plan: "pro",
				Disasters: []*DisasterResult{{
					Disaster: "d1", Declared: obTime(t, "2026-02-10T12:00:00Z"), Restored: obTimeP(t, "2026-02-11T00:00:00Z"),
					RTOMinutes: 720, RecoveryMinutes: 720, RTOMet: true,
					RPOMinutes: 240, DataLossMinutes: obLoss(4 * h), RPOMet: true,
					Facts: []string{"d1", "r1", "b1"},
				}},
				LongestGapMinutes: (224 * h).Minutes(), BackupsMet: true, RestoreTestsMet: true,
				Facts: []string{"d1", "r1", "b1"},
			},
		},
		{
			// One second more each: restored after 12 h 1 s, backup 4 h 1 s old:
			// both missed. Gaps: 1 February → 10 February 07:59:59 = 224 h − 1 s,
			// then 40 h 1 s to asOf.
			name: "RTO and RPO missed by one second", r: r003,
			ev: &Evidence{
				Backups:      []*Backup{{ID: "b1", At: obTime(t, "2026-02-10T07:59:59Z"), Component: "db", OK: true}},
				Disasters:    []*Disaster{{ID: "d1", At: obTime(t, "2026-02-10T12:00:00Z"), Component: "db"}},
				Restorations: []*Restoration{{ID: "r1", Disaster: "d1", At: obTime(t, "2026-02-11T00:00:01Z")}},
			},
			asOf: "2026-02-12T00:00:00Z",
			want: &RecoveryReport{
				Plan: "pro",
				Disasters: []*DisasterResult{{
					Disaster: "d1", Declared: obTime(t, "2026-02-10T12:00:00Z"), Restored: obTimeP(t, "2026-02-11T00:00:01Z"),
					RTOMinutes: 720, RecoveryMinutes: (12*h + sec).Minutes(), RTOMet: false,
					RPOMinutes: 240, DataLossMinutes: obLoss(4*h + sec), RPOMet: false,
					Facts: []string{"d1", "r1", "b1"},
				}},
				LongestGapMinutes: (224*h - sec).Minutes(), BackupsMet: true, RestoreTestsMet: true,
				Facts: []string{"d1", "r1", "b1"},
			},
		},
		{
			// Not restored as of 20:00Z: 8 h so far, RTO not met. A restoration
			// before the declaration and one after asOf do not count; the only
			// backup failed: no data-loss window, RPO not met. No successful
			// backup at all: the gap is 1 February → asOf = 9 days 20 h = 236 h.
			name: "not restored at asOf", r: r003,
			ev: &Evidence{
				Backups:   []*Backup{{ID: "b-failed", At: obTime(t, "2026-02-10T10:00:00Z"), Component: "web"}},
				Disasters: []*Disaster{{ID: "d1", At: obTime(t, "2026-02-10T12:00:00Z"), Component: "web"}},
				Restorations: []*Restoration{
					{ID: "r-early", Disaster: "d1", At: obTime(t, "2026-02-10T11:00:00Z")},
					{ID: "r-later", Disaster: "d1", At: obTime(t, "2026-02-10T21:00:00Z")},
				},
			},
			asOf: "2026-02-10T20:00:00Z",
			want: &RecoveryReport{
				Plan: "pro",
				Disasters: []*DisasterResult{{
					Disaster: "d1", Declared: obTime(t, "2026-02-10T12:00:00Z"),
					RTOMinutes: 720, RecoveryMinutes: 480, RPOMinutes: 240,
					Facts: []string{"d1"},
				}},
				LongestGapMinutes: (236 * h).Minutes(), BackupsMet: true, RestoreTestsMet: true,
				Facts: []string{"d1"},
			},
		},
		{
			// Which facts count. Disasters on 31 January, on 1 March 00:00 (the
			// period is half-open) and of the uncovered "billing" are left out. d-all (no component, 5 February 00:00) was restored at
			// 06:00 (6 h, met); any counted backup bounds its data loss: the
			// latest is b-web at 4 February 22:00 (2 h, met); b-billing is not
			// covered. d-db (6 February 00:00) is not restored: 23 days 12 h to
			// asOf (1 March 12:00) = 564 h; b-web is another component's, so the
			// whole-service backup b-all of 3 February 00:00 bounds it: 72 h,
			// RPO missed. Gaps: 1 → 3 February 48 h, → 4 February 22:00 46 h, →
			// the period end 24 days 2 h = 578 h.
			name: "disasters and backups in scope", r: r003,
			ev: &Evidence{
				Backups: []*Backup{
					{ID: "b-web", At: obTime(t, "2026-02-04T22:00:00Z"), Component: "web", OK: true},
					{ID: "b-billing", At: obTime(t, "2026-02-04T23:00:00Z"), Component: "billing", OK: true},
					{ID: "b-all", At: obTime(t, "2026-02-03T00:00:00Z"), OK: true},
				},
				Disasters: []*Disaster{
					{ID: "d-jan", At: obTime(t, "2026-01-31T23:00:00Z"), Component: "db"},
					{ID: "d-db", At: obTime(t, "2026-02-06T00:00:00Z"), Component: "db"},
					{ID: "d-billing", At: obTime(t, "2026-02-07T00:00:00Z"), Component: "billing"},
					{ID: "d-mar", At: obTime(t, "2026-03-01T00:00:00Z")},
					{ID: "d-all", At: obTime(t, "2026-02-05T00:00:00Z")},
				},
				Restorations: []*Restoration{
					{ID: "r-jan", Disaster: "d-jan", At: obTime(t, "2026-02-01T01:00:00Z")},
					{ID: "r-all", Disaster: "d-all", At: obTime(t, "2026-02-05T06:00:00Z")},
				},
			},
			asOf: "2026-03-01T12:00:00Z",
			want: &RecoveryReport{
				Plan: "pro",
				Disasters: []*DisasterResult{
					{
						Disaster: "d-all", Declared: obTime(t, "2026-02-05T00:00:00Z"), Restored: obTimeP(t, "2026-02-05T06:00:00Z"),
						RTOMinutes: 720, RecoveryMinutes: 360, RTOMet: true,
						RPOMinutes: 240, DataLossMinutes: obLoss(2 * h), RPOMet: true,
						Facts: []string{"d-all", "r-all", "b-web"},
					},
					{
						Disaster: "d-db", Declared: obTime(t, "2026-02-06T00:00:00Z"),
						RTOMinutes: 720, RecoveryMinutes: (564 * h).Minutes(),
						RPOMinutes: 240, DataLossMinutes: obLoss(72 * h),
						Facts: []string{"d-db", "b-all"},
					},
				},
				LongestGapMinutes: (578 * h).Minutes(), BackupsMet: true, RestoreTestsMet: true,
				Facts: []string{"d-all", "r-all", "b-web", "d-db", "b-all"},
			},
		},
		{
			// Daily backups (at most 24 h apart). The last January backup is at
			// 20:00 on the 31st, the first of February at 22:00 on the 1st: 26 h
			// across the period boundary, missed. Then 24 h each, and 2 h from 28
			// February 22:00 to the period end. One restore test: met.
			name: "backup gap across the period start", r: r001,
			ev: &Evidence{
				Backups:      append([]*Backup{jan31At20}, daily22...),
				RestoreTests: []*RestoreTest{{ID: "t1", At: obTime(t, "2026-02-15T03:00:00Z"), Component: "db", OK: true}},
			},
			asOf: "2026-03-01T12:00:00Z",
			want: &RecoveryReport{
				Plan: "pro", Disasters: []*DisasterResult{},
				BackupEveryMinutes: 1440, LongestGapMinutes: (26 * h).Minutes(), BackupsMet: false,
				RestoreTests: 1, RestoreTestsWanted: 1, RestoreTestsMet: true,
				Facts: append(append([]string{"b-01-31"}, obIDs(daily22)...), "t1"),
			},
		},
		{
			// The last January backup at 22:00 on the 31st: exactly 24 h before
			// the first of February, met; every gap is 24 h but the last (2 h).
			name: "backup gap across the period start exactly 24 h", r: r001,
			ev: &Evidence{
				Backups:      append([]*Backup{jan31At22}, daily22...),
				RestoreTests: []*RestoreTest{{ID: "t1", At: obTime(t, "2026-02-15T03:00:00Z"), OK: true}},
			},
			asOf: "2026-03-01T12:00:00Z",
			want: &RecoveryReport{
				Plan: "pro", Disasters: []*DisasterResult{},
				BackupEveryMinutes: 1440, LongestGapMinutes: (24 * h).Minutes(), BackupsMet: true,
				RestoreTests: 1, RestoreTestsWanted: 1, RestoreTestsMet: true,
				Facts: append(append([]string{"b-01-31"}, obIDs(daily22)...), "t1"),
			},
		},
		{
			// No backup before February: the first gap runs from the period start
			// to 1 February 22:00 (22 h); the longest is 24 h, met.
			name: "no backup before the period", r: r001,
			ev: &Evidence{
				Backups:      daily22,
				RestoreTests: []*RestoreTest{{ID: "t1", At: obTime(t, "2026-02-15T03:00:00Z"), OK: true}},
			},
			asOf: "2026-03-01T12:00:00Z",
			want: &RecoveryReport{
				Plan: "pro", Disasters: []*DisasterResult{},
				BackupEveryMinutes: 1440, LongestGapMinutes: (24 * h).Minutes(), BackupsMet: true,
				RestoreTests: 1, RestoreTestsWanted: 1, RestoreTestsMet: true,
				Facts: append(obIDs(daily22), "t1"),
			},
		},
		{
			// Period in progress: backups daily at 00:00 from 1 to 9 February
			// (the first one at the period start: a 0 gap) and on the 11th,
			// after asOf. As of 10 February 00:00 the last gap is exactly 24 h:
			// met. No restore test yet: 0 of 1.
			name: "gap to asOf exactly 24 h", r: r001,
			ev:   &Evidence{Backups: daily00},
			asOf: "2026-02-10T00:00:00Z",
			want: &RecoveryReport{
				Plan: "pro", Disasters: []*DisasterResult{},
				BackupEveryMinutes: 1440, LongestGapMinutes: (24 * h).Minutes(), BackupsMet: true,
				RestoreTestsWanted: 1,
				Facts:              obIDs(daily00[:9]),
			},
		},
		{
			// One second later the gap since 9 February 00:00 is 24 h 1 s: missed.
			name: "gap to asOf one second over", r: r001,
			ev:   &Evidence{Backups: daily00},
			asOf: "2026-02-10T00:00:01Z",
			want: &RecoveryReport{
				Plan: "pro", Disasters: []*DisasterResult{},
				BackupEveryMinutes: 1440, LongestGapMinutes: (24*h + sec).Minutes(), BackupsMet: false,
				RestoreTestsWanted: 1,
				Facts:              obIDs(daily00[:9]),
			},
		},
		{
			// Backups daily at 22:00 up to 26 February: the last gap runs to the
			// period end, 1 March 00:00 = 2 days 2 h = 50 h: missed.
			name: "backup gap at the period end", r: r001,
			ev:   &Evidence{Backups: daily22[:26]},
			asOf: "2026-03-05T00:00:00Z",
			want: &RecoveryReport{
				Plan: "pro", Disasters: []*DisasterResult{},
				BackupEveryMinutes: 1440, LongestGapMinutes: (50 * h).Minutes(), BackupsMet: false,
				RestoreTestsWanted: 1,
				Facts:              obIDs(daily22[:26]),
			},
		},
		{
			// Restore tests per month: one on 31 January and one on 1 March 00:00
			// are outside February, the one on 15 February failed, the one on 21
			// February is of an uncovered component: 0 of 1. No backup at all:
			// the gap is the whole month, 28 days = 672 h.
			name: "no successful restore test in the month", r: r001,
			ev: &Evidence{RestoreTests: []*RestoreTest{
				{ID: "t-jan", At: obTime(t, "2026-01-31T12:00:00Z"), OK: true},
				{ID: "t-fail", At: obTime(t, "2026-02-15T12:00:00Z"), Component: "db"},
				{ID: "t-billing", At: obTime(t, "2026-02-21T12:00:00Z"), Component: "billing", OK: true},
				{ID: "t-mar", At: obTime(t, "2026-03-01T00:00:00Z"), OK: true},
			}},
			asOf: "2026-03-02T00:00:00Z",
			want: &RecoveryReport{
				Plan: "pro", Disasters: []*DisasterResult{},
				BackupEveryMinutes: 1440, LongestGapMinutes: (28 * day).Minutes(),
				RestoreTestsWanted: 1,
				Facts:              []string{},
			},
		},
		{
			// The same with a successful test on 20 February: 1 of 1, met.
			name: "one successful restore test in the month", r: r001,
			ev: &Evidence{RestoreTests: []*RestoreTest{
				{ID: "t-jan", At: obTime(t, "2026-01-31T12:00:00Z"), OK: true},
				{ID: "t-fail", At: obTime(t, "2026-02-15T12:00:00Z"), Component: "db"},
				{ID: "t-ok", At: obTime(t, "2026-02-20T12:00:00Z"), Component: "web", OK: true},
				{ID: "t-mar", At: obTime(t, "2026-03-01T00:00:00Z"), OK: true},
			}},
			asOf: "2026-03-02T00:00:00Z",
			want: &RecoveryReport{
				Plan: "pro", Disasters: []*DisasterResult{},
				BackupEveryMinutes: 1440, LongestGapMinutes: (28 * day).Minutes(),
				RestoreTests: 1, RestoreTestsWanted: 1, RestoreTestsMet: true,
				Facts: []string{"t-ok"},
			},
		},
		{
			// As of 31 January the period has not begun: no gap yet.
			name: "before the period", r: r001,
			ev:   &Evidence{Backups: []*Backup{jan31At20}},
			asOf: "2026-01-31T23:00:00Z",
			want: &RecoveryReport{
				Plan: "pro", Disasters: []*DisasterResult{},
				BackupEveryMinutes: 1440, BackupsMet: true, RestoreTestsWanted: 1,
				Facts: []string{},
			},
		},
		{
			// No objectives: nothing to report.
			name: "no recovery objectives",
			ev:   &Evidence{},
			asOf: "2026-03-02T00:00:00Z",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := EvaluateRecovery("pro", tt.r, feb, tt.ev, components, obTime(t, tt.asOf))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("recovery mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEvaluateRecoveryNilEvidence(t *testing.T) {
	// 1 → 11 February: 10 days = 240 h without a backup.
	feb := timeline.Period{Kind: timeline.Month, Year: 2026, Index: 2, Loc: time.UTC}.Interval()
	got := EvaluateRecovery("pro", &Recovery{BackupEvery: 24 * time.Hour}, feb, nil, nil, obTime(t, "2026-02-11T00:00:00Z"))
	if got == nil || got.LongestGapMinutes != (240*time.Hour).Minutes() || got.BackupsMet {
		t.Errorf("got %+v, want a 240 h gap that misses the cadence", got)
	}
}

// TestMaxDataLoss is seed 003's second recovery objective: RPO 4 h, and "a
// maximum customer data loss of 24 hours", each disaster's loss measured from
// the last successful backup before its declaration.
func TestMaxDataLoss(t *testing.T) {
	const h = time.Hour
	feb := timeline.Period{Kind: timeline.Month, Year: 2026, Index: 2, Loc: time.UTC}.Interval()
	r := &Recovery{RPO: 4 * h, MaxDataLoss: 24 * h}
	declared := "2026-02-10T12:00:00Z"
	tests := []struct {
		name     string
		backup   string // the last successful backup, "" for none
		loss     *float64
		rpo, max bool
	}{
		// 12:00 − 08:00 = 4 h = 240 min: RPO met exactly, 240 ≤ 1,440 met.
		{"within both", "2026-02-10T08:00:00Z", obLoss(4 * h), true, true},
		// 12:00 − 9 February 18:00 = 18 h = 1,080 min: RPO (240) missed, 1,080 ≤ 1,440 met.
		{"RPO missed, within 24 h", "2026-02-09T18:00:00Z", obLoss(18 * h), false, true},
		// 10 February 12:00 − 9 February 12:00 = 24 h = 1,440 min: met exactly.
		{"24 h exactly", "2026-02-09T12:00:00Z", obLoss(24 * h), false, true},
		// 10 February 12:00 − 9 February 11:59 = 24 h 1 min = 1,441 min: missed.
		{"24 h and a minute", "2026-02-09T11:59:00Z", obLoss(24*h + time.Minute), false, false},
		// No backup before the declaration: the loss is unbounded, both missed.
		{"no backup", "", nil, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := &Evidence{Disasters: []*Disaster{{ID: "d1", At: obTime(t, declared), Component: "db"}}}
			if tt.backup != "" {
				ev.Backups = []*Backup{{ID: "b1", At: obTime(t, tt.backup), Component: "db", OK: true}}
			}
			rep := EvaluateRecovery("pro", r, feb, ev, []string{"db"}, obTime(t, "2026-02-12T00:00:00Z"))
			d := rep.Disasters[0]
			if diff := cmp.Diff(tt.loss, d.DataLossMinutes); diff != "" {
				t.Errorf("data loss (-want +got):\n%s", diff)
			}
			if d.RPOMet != tt.rpo || d.MaxDataLossMinutes != 1440 || d.MaxDataLossMet == nil || *d.MaxDataLossMet != tt.max {
				t.Errorf("rpo_met %v, max_data_loss %v min met %v; want %v, 1440, %v", d.RPOMet, d.MaxDataLossMinutes, d.MaxDataLossMet, tt.rpo, tt.max)
			}
		})
	}
	// Not promised: no figure and no outcome.
	ev := &Evidence{Disasters: []*Disaster{{ID: "d1", At: obTime(t, declared)}}}
	d := EvaluateRecovery("pro", &Recovery{RPO: 4 * h}, feb, ev, nil, obTime(t, "2026-02-12T00:00:00Z")).Disasters[0]
	if d.MaxDataLossMinutes != 0 || d.MaxDataLossMet != nil {
		t.Errorf("without max_data_loss: %v min, met %v; want 0, nil", d.MaxDataLossMinutes, d.MaxDataLossMet)
	}
}
