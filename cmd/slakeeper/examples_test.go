package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/sla"
)

// The examples under examples/ turn the five seed SLAs into policies with
// sample evidence. These tests evaluate each one through the command line
// and check every figure of the report against arithmetic done by hand in
// the comments. Times are UTC unless a zone is named.

const examplesDir = "../../examples"

// availWant is the expected availability and credit of one subscription.
type availWant struct {
	sub        string
	plan       string
	override   bool
	start, end string // the plan period, clipped to the subscription
	exact      string // uptime_exact, percent as a fraction
	met        bool
	total      float64 // D
	maint      float64 // P (formula removed only)
	liable     float64 // N
	excluded   map[sla.Cause]float64
	ignored    float64
	credit     float64 // percent of the fee after the cap
	uncapped   float64
	amount     string
	owed       string
	state      string
	deadline   string // "" when there is none
	claim      string
	eligible   bool
	ineligible []string
	perf       []perfWant
}

type perfWant struct {
	id      string
	value   float64
	samples int
	met     bool
	credit  float64
	// locationsMet is "rule: met of locations", for an objective with a
	// location rule.
	locationsMet string
}

// targetWant is one ticket target or incident obligation.
type targetWant struct {
	ticket   string // or the incident
	metric   string
	priority string // tickets only
	deadline string
	achieved string // "" when not achieved
	used     float64
	target   float64
	calendar string
	state    string
	cycles   int
	breaches int
}

type incidentWant struct {
	incident string
	plan     string
	resolved string
	// obligations lists the obligations; their ticket field is unused.
	obligations []targetWant
}

type disasterWant struct {
	id       string
	restored string
	recovery float64
	rtoMet   bool
	dataLoss float64 // -1 when there is no backup before the disaster
	rpoMet   bool
}

type recoveryWant struct {
	plan         string
	disasters    []disasterWant
	longestGap   float64
	backupsMet   bool
	restoreTests int
	restoreMet   bool
}

type exampleCase struct {
	name      string
	policy    string
	facts     string
	period    string
	asOf      string
	version   string
	avail     []availWant
	tickets   []targetWant
	incidents []incidentWant
	recovery  []recoveryWant
}

func exampleCases() []exampleCase {
	return []exampleCase{
		{
			// Seed 000: months in UTC, 99 % with no credit; Globex has an
			// enterprise override (99.9 %, credits, 72 h notice, support).
			name:    "000-blumsmart",
			policy:  "000-blumsmart.yaml",
			facts:   "000-blumsmart.jsonl",
			period:  "2026-10",
			asOf:    "2026-11-24T00:00:00Z",
			version: "2026",
			avail: []availWant{
				{
					// D = 31 × 1,440 = 44,640 min (UTC); P = 0 (formula excused).
					// N = 5 Oct api 10:00-11:30 ∪ web 11:00-12:00 = 120
					//   + 14 Oct ai partial 240 × 0.5 = 120
					//   + 20 Oct mobile 60 (third party: not excluded here)
					//   + 25 Oct api under maintenance 60 (mw-1025 announced
					//     01:30, after its 01:00 start: late)
					//   + 31 Oct web 23:00-24:00 = 60 (the rest is November)
					//   = 420.
					// Excluded: maintenance 90 (web 02:00-03:30 in mw-1011,
					// announced 26 h ahead ≥ 0), customer 45 (desktop).
					// (44,640 − 420) ÷ 44,640 = 44,220/44,640 = 99.0591 %
					// = 18425/186 %, ≥ 99: met. No credits key: 0.
					sub: "sub-acme", plan: "platform",
					start: "2026-10-01T00:00:00Z", end: "2026-11-01T00:00:00Z",
					exact: "18425/186", met: true,
					total: 44640, liable: 420,
					excluded: map[sla.Cause]float64{sla.CauseMaintenance: 90, sla.CauseCustomer: 45},
					amount:   "0.00", owed: "0.00", state: sla.CreditNone, eligible: true,
				},
				{
					// Override: 72 h notice, so mw-1011 (26 h) is late and
					// web 02:00-03:30 counts: N = 420 + 90 = 510.
					// Excluded: customer 45.
					// (44,640 − 510) ÷ 44,640 = 44,130/44,640 = 98.8575 %
					// = 36775/372 %, < 99.9: missed.
					// Tiers: < 99.9 → 10, < 99.0 → 25: 98.86 < 99.0 → 25 %.
					// 1,200.00 × 25 % = 300.00. Claim by 1 Nov 00:00 + 30 d
					// = 1 Dec 00:00; claimed 10 Nov: claimed, owed 300.00.
					sub: "sub-globex", plan: "platform", override: true,
					start: "2026-10-01T00:00:00Z", end: "2026-11-01T00:00:00Z",
					exact: "36775/372", met: false,
					total: 44640, liable: 510,
					excluded: map[sla.Cause]float64{sla.CauseCustomer: 45},
					credit:   25, uncapped: 25, amount: "300.00", owed: "300.00",
					state: sla.CreditClaimed, deadline: "2026-12-01T00:00:00Z", claim: "claim-globex-10", eligible: true,
				},
				{
					// Subscribed from 16 Oct: D = 16 × 1,440 = 23,040.
					// N = mobile 60 + api late maintenance 60 + web 60 = 180;
					// excluded customer 45 (22 Oct).
					// (23,040 − 180) ÷ 23,040 = 22,860/23,040 = 99.21875 %
					// = 3175/32 %: met.
					sub: "sub-initech", plan: "platform",
					start: "2026-10-16T00:00:00Z", end: "2026-11-01T00:00:00Z",
					exact: "3175/32", met: true,
					total: 23040, liable: 180,
					excluded: map[sla.Cause]float64{sla.CauseCustomer: 45},
					amount:   "0.00", owed: "0.00", state: sla.CreditNone, eligible: true,
				},
			},
			tickets: []targetWant{
				// t-1 urgent, 5 Oct 10:10: first response 1 h (24/7) → 11:10;
				// replied 10:50: used 40, met.
				{ticket: "t-1", metric: "first_response", priority: "urgent", deadline: "2026-10-05T11:10:00Z", achieved: "2026-10-05T10:50:00Z", used: 40, target: 60, calendar: "always", state: sla.TargetMet},
				// Resolution 8 h → 18:10; solved 12:30: used 140, met.
				{ticket: "t-1", metric: "resolution", priority: "urgent", deadline: "2026-10-05T18:10:00Z", achieved: "2026-10-05T12:30:00Z", used: 140, target: 480, calendar: "always", state: sla.TargetMet},
				// t-2 normal, 20 Oct 22:00 + 8 h = 21 Oct 06:00; replied
				// 07:00: used 9 h = 540, breached.
				{ticket: "t-2", metric: "first_response", priority: "normal", deadline: "2026-10-21T06:00:00Z", achieved: "2026-10-21T07:00:00Z", used: 540, target: 480, calendar: "always", state: sla.TargetBreached},
				// t-3 is acme-ops's: the standard plan has no support
				// targets, so it is not reported.
			},
		},
		{
			// Seed 001: London months (October: 30 Sep 23:00Z - 1 Nov
			// 00:00Z), version 2026-10 in force from London midnight.
			name:    "001-bloomneo",
			policy:  "001-bloomneo.yaml",
			facts:   "001-bloomneo.jsonl",
			period:  "2026-10",
			asOf:    "2026-11-24T00:00:00Z",
			version: "2026-10",
			avail:   bloomneoAvail(),
			tickets: []targetWant{
				// t-1 P1 (1 h, 24/7), 6 Oct 14:10 → 15:10; replied 14:40:
				// used 30, met.
				{ticket: "t-1", metric: "first_response", priority: "P1", deadline: "2026-10-06T15:10:00Z", achieved: "2026-10-06T14:40:00Z", used: 30, target: 60, calendar: "always", state: sla.TargetMet},
				// t-2 P2 (4 business hours, version 2026-10), Fri 9 Oct
				// 16:00Z = 17:00 BST, the closing time: the clock starts
				// Mon 12 Oct 09:00 BST (08:00Z); + 4 h = 12:00Z. Replied
				// 11:30Z: used 3.5 h = 210, met.
				{ticket: "t-2", metric: "first_response", priority: "P2", deadline: "2026-10-12T12:00:00Z", achieved: "2026-10-12T11:30:00Z", used: 210, target: 240, calendar: "london-business", state: sla.TargetMet},
				// t-3 P3 (1 business day = 8 h), Tue 13 Oct 11:00 BST; pending
				// the customer 13:00 BST Tue - 10:00 BST Wed. Used: Tue
				// 11:00-13:00 = 2 h + Wed 10:00-16:00 = 6 h = 8 h = 480;
				// deadline Wed 16:00 BST = 15:00Z; replied exactly then:
				// met (on the deadline is met).
				{ticket: "t-3", metric: "first_response", priority: "P3", deadline: "2026-10-14T15:00:00Z", achieved: "2026-10-14T15:00:00Z", used: 480, target: 480, calendar: "london-business", state: sla.TargetMet},
				// t-4 filed P4 Thu 22 Oct 16:00 BST, raised to P2 Fri
				// 11:00 BST. Recomputed from creation with P2's 4 h: Thu
				// 16:00-17:00 (1 h) + Fri 09:00-12:00 BST (3 h) → Fri 12:00
				// BST = 11:00Z. Replied 14:00 BST (13:00Z): used 1 + 5 = 6 h
				// = 360, breached.
				{ticket: "t-4", metric: "first_response", priority: "P2", deadline: "2026-10-23T11:00:00Z", achieved: "2026-10-23T13:00:00Z", used: 360, target: 240, calendar: "london-business", state: sla.TargetBreached},
				// t-5 P3, Mon 26 Oct 16:30 GMT (clocks went back on 25 Oct):
				// 16:30-17:00 (0.5 h) + Tue 09:00-16:30 (7.5 h) → Tue 27 Oct
				// 16:30Z. Replied Wed 10:00: used 0.5 + 8 + 1 = 9.5 h = 570,
				// breached.
				{ticket: "t-5", metric: "first_response", priority: "P3", deadline: "2026-10-27T16:30:00Z", achieved: "2026-10-28T10:00:00Z", used: 570, target: 480, calendar: "london-business", state: sla.TargetBreached},
			},
			incidents: bloomneoIncidents(),
			recovery: []recoveryWant{
				// Daily backups at 01:30Z, the one of 17 Oct failed. From
				// the last one before the period (30 Sep 01:30) the gaps are
				// 24 h, ..., 16 → 18 Oct 48 h, ..., 31 Oct 01:30 → 1 Nov
				// 00:00 22.5 h: longest 48 h = 2,880 min > 1,440: missed.
				// Restore tests: 8 Oct failed, 15 Oct ok: 1 ≥ 1, met.
				{plan: "pro", longestGap: 2880, backupsMet: false, restoreTests: 1, restoreMet: true},
				{plan: "max", longestGap: 2880, backupsMet: false, restoreTests: 1, restoreMet: true},
			},
		},
		{
			// Seed 002, the lead's reference example: Oslo months.
			name:    "002-bluestone",
			policy:  "002-bluestone.yaml",
			facts:   "002-bluestone.jsonl",
			period:  "2026-10",
			asOf:    "2026-11-24T00:00:00Z",
			version: "2026",
			avail: []availWant{
				// D = 44,700 min (Oct 2026 Oslo, DST ends); P = 120 (mw-1010
				// 20:00-22:00Z, announced a week ahead ≥ 48 h; the pim
				// outage inside it is removed with it); N = pim 09:00-13:00
				// 240 + standard-apps 13:00-13:30 beyond pim 30 + apps
				// partial 100 × 0.3 = 30 → 300. Force majeure 180 (pim
				// 20 Oct 02:00-05:00) excluded.
				// (44,700 − 120 − 300) ÷ (44,700 − 120) = 44,280/44,580
				// = 99.3270 % = 73800/743 %. < 99.5 → 10 %.
				// Claim by 31 Oct 23:00Z (midnight CET) + 30 d = 30 Nov
				// 23:00Z.
				{
					// 3,500.00 × 10 % = 350.00; unclaimed and as of 24 Nov
					// not yet due: open, owed 0.00.
					sub: "sub-fjord", plan: "extended",
					start: "2026-09-30T22:00:00Z", end: "2026-10-31T23:00:00Z",
					exact: "73800/743", total: 44700, maint: 120, liable: 300,
					excluded: map[sla.Cause]float64{sla.CauseForceMajeure: 180},
					credit:   10, uncapped: 10, amount: "350.00", owed: "0.00",
					state: sla.CreditOpen, deadline: "2026-11-30T23:00:00Z", eligible: true,
				},
				{
					// 2,000.00 × 10 % = 200.00; claimed 3 Nov: owed 200.00.
					sub: "sub-nordic", plan: "standard",
					start: "2026-09-30T22:00:00Z", end: "2026-10-31T23:00:00Z",
					exact: "73800/743", total: 44700, maint: 120, liable: 300,
					excluded: map[sla.Cause]float64{sla.CauseForceMajeure: 180},
					credit:   10, uncapped: 10, amount: "200.00", owed: "200.00",
					state: sla.CreditClaimed, deadline: "2026-11-30T23:00:00Z", claim: "claim-1", eligible: true,
				},
			},
			tickets: []targetWant{
				// t-1 critical, Wed 14 Oct 11:10 CEST + 2 work hours = 13:10
				// CEST = 11:10Z; replied 12:30 CEST: used 80, met.
				{ticket: "t-1", metric: "first_response", priority: "critical", deadline: "2026-10-14T11:10:00Z", achieved: "2026-10-14T10:30:00Z", used: 80, target: 120, calendar: "cet-work-hours", state: sla.TargetMet},
				// t-2 standard (2 work days = 16 h), Fri 16 Oct 16:30 CEST,
				// after closing: Mon 08:00-16:00 + Tue 08:00-16:00 → Tue 20
				// Oct 16:00 CEST = 14:00Z. Replied 15:00 CEST: 8 + 7 = 15 h
				// = 900, met.
				{ticket: "t-2", metric: "first_response", priority: "standard", deadline: "2026-10-20T14:00:00Z", achieved: "2026-10-20T13:00:00Z", used: 900, target: 960, calendar: "cet-work-hours", state: sla.TargetMet},
				// t-3 extended (24/7 UTC), 17 Oct 22:00 + 2 h = 18 Oct 00:00;
				// replied 00:30: used 150, breached.
				{ticket: "t-3", metric: "first_response", priority: "critical", deadline: "2026-10-18T00:00:00Z", achieved: "2026-10-18T00:30:00Z", used: 150, target: 120, calendar: "always", state: sla.TargetBreached},
			},
			incidents: []incidentWant{
				// inc-1 critical, hourly updates: 09:05 → 09:50 (45 min,
				// met), 09:50 → 11:20 (90, breached, due 10:50), 11:20 →
				// 13:00 resolved (100, breached). 3 cycles, 2 breaches, the
				// longest 100, the first missed deadline 10:50.
				{incident: "inc-1", plan: "extended", resolved: "2026-10-14T13:00:00Z", obligations: []targetWant{
					{metric: "update_every", deadline: "2026-10-14T10:50:00Z", achieved: "2026-10-14T13:00:00Z", used: 100, target: 60, calendar: "always", state: sla.TargetBreached, cycles: 3, breaches: 2},
				}},
				{incident: "inc-1", plan: "standard", resolved: "2026-10-14T13:00:00Z", obligations: []targetWant{
					{metric: "update_every", deadline: "2026-10-14T10:50:00Z", achieved: "2026-10-14T13:00:00Z", used: 100, target: 60, calendar: "always", state: sla.TargetBreached, cycles: 3, breaches: 2},
				}},
			},
		},
		{
			// Seed 003: New York months; November 2026 runs from 1 Nov
			// 04:00Z (midnight EDT) to 1 Dec 05:00Z (midnight EST).
			name:    "003-flosum",
			policy:  "003-flosum.yaml",
			facts:   "003-flosum.jsonl",
			period:  "2026-11",
			asOf:    "2026-12-10T00:00:00Z",
			version: "2026",
			avail: []availWant{
				// D = 30 × 1,440 + 60 (DST ends 1 Nov) = 43,260.
				// N = 1 Nov 04:00-05:00 (the outage began 03:00Z, in
				//     October) 60
				//   + 5 Nov flosum-cloud 17:00-17:30 30 (15:10-17:00 is
				//     third party: Salesforce down 15:00-17:00)
				//   + 18 Nov backup-archive partial 120 × 0.3 = 36
				//   + 26 Nov flosum-cloud 01:45-16:00 = 855
				//   = 981.
				// Excluded: third party 110, maintenance 90 (14 Nov
				// 06:00-07:30, announced 90 h ≥ 72 h ahead), force majeure
				// 660 (20 Nov 09:30-20:30).
				// (43,260 − 981) ÷ 43,260 = 42,279/43,260 = 97.7323 %
				// = 70465/721 %, < 99.5. No credits: 0.
				{
					sub: "sub-cyberdyne", plan: "hosted",
					start: "2026-11-01T04:00:00Z", end: "2026-12-01T05:00:00Z",
					exact: "70465/721", total: 43260, liable: 981,
					excluded: map[sla.Cause]float64{sla.CauseThirdParty: 110, sla.CauseMaintenance: 90, sla.CauseForceMajeure: 660},
					amount:   "0.00", owed: "0.00", state: sla.CreditNone, eligible: true,
				},
				{
					sub: "sub-umbrella", plan: "hosted",
					start: "2026-11-01T04:00:00Z", end: "2026-12-01T05:00:00Z",
					exact: "70465/721", total: 43260, liable: 981,
					excluded: map[sla.Cause]float64{sla.CauseThirdParty: 110, sla.CauseMaintenance: 90, sla.CauseForceMajeure: 660},
					amount:   "0.00", owed: "0.00", state: sla.CreditNone, eligible: true,
				},
			},
			tickets: flosumTickets(),
			recovery: []recoveryWant{
				{
					plan: "hosted",
					disasters: []disasterWant{
						// dr-1 (backup-archive) declared 20 Nov 10:00, restored
						// 20:30: 10.5 h = 630 ≤ 720, RTO met. Last backup of
						// backup-archive 07:00: 3 h = 180 ≤ 240, RPO met.
						{id: "dr-1", restored: "2026-11-20T20:30:00Z", recovery: 630, rtoMet: true, dataLoss: 180, rpoMet: true},
						// dr-2 (flosum-cloud) declared 26 Nov 02:00, restored
						// 16:00: 14 h = 840 > 720, RTO missed. The 26 Nov
						// 00:00 backup failed; the last good one 25 Nov
						// 20:00: 6 h = 360 > 240, RPO missed.
						{id: "dr-2", restored: "2026-11-26T16:00:00Z", recovery: 840, rtoMet: false, dataLoss: 360, rpoMet: false},
					},
					// No backup cadence is promised (met), but the longest
					// gap is reported: 1 Nov 04:00 → 20 Nov 07:00 = 19 d 3 h
					// = 459 h = 27,540 min (then 133 h and 129 h).
					longestGap: 27540, backupsMet: true, restoreTests: 0, restoreMet: true,
				},
			},
		},
		{
			// Seed 004: UTC months, linear credits rounded up, claims
			// within 7 days of the last counted failure, performance
			// credits.
			name:    "004-infopromo",
			policy:  "004-infopromo.yaml",
			facts:   "004-infopromo.jsonl",
			period:  "2026-10",
			asOf:    "2026-11-24T00:00:00Z",
			version: "2026",
			avail:   infopromoAvail(),
			tickets: []targetWant{
				// t-1 level 1, 3 Oct 08:05: ack 15 m → 08:20; replied 08:17:
				// 12, met. Resolution 24 h → 4 Oct 08:05; solved 10:00: 115.
				{ticket: "t-1", metric: "first_response", priority: "level-1", deadline: "2026-10-03T08:20:00Z", achieved: "2026-10-03T08:17:00Z", used: 12, target: 15, calendar: "always", state: sla.TargetMet},
				{ticket: "t-1", metric: "resolution", priority: "level-1", deadline: "2026-10-04T08:05:00Z", achieved: "2026-10-03T10:00:00Z", used: 115, target: 1440, calendar: "always", state: sla.TargetMet},
				// t-2 level 2, 9 Oct 14:10: ack 30 m → 14:40; replied 14:50:
				// 40, breached. Resolution 72 h + the 24 h pending the
				// customer (15:00 → 10 Oct 15:00) → 13 Oct 14:10; solved
				// 12 Oct 10:00: 67 h 50 m − 24 h = 43 h 50 m = 2,630, met.
				{ticket: "t-2", metric: "first_response", priority: "level-2", deadline: "2026-10-09T14:40:00Z", achieved: "2026-10-09T14:50:00Z", used: 40, target: 30, calendar: "always", state: sla.TargetBreached},
				{ticket: "t-2", metric: "resolution", priority: "level-2", deadline: "2026-10-13T14:10:00Z", achieved: "2026-10-12T10:00:00Z", used: 2630, target: 4320, calendar: "always", state: sla.TargetMet},
				// t-3 level 3, 15 Oct 12:30: ack 30 m → 13:00; replied 12:50:
				// 20, met. Resolution 12 h, continuing after the reopen:
				// 12:30 → 20:00 solved (7.5 h), reopened 16 Oct 09:00,
				// solved 14:00 (5 h): 12.5 h = 750 > 720, breached; the
				// deadline 12:30 + 12 h + 13 h solved = 16 Oct 13:30.
				{ticket: "t-3", metric: "first_response", priority: "level-3", deadline: "2026-10-15T13:00:00Z", achieved: "2026-10-15T12:50:00Z", used: 20, target: 30, calendar: "always", state: sla.TargetMet},
				{ticket: "t-3", metric: "resolution", priority: "level-3", deadline: "2026-10-16T13:30:00Z", achieved: "2026-10-16T14:00:00Z", used: 750, target: 720, calendar: "always", state: sla.TargetBreached},
				// t-4 filed level 3 at 29 Oct 12:10, raised to level 1 at
				// 12:20: recomputed from creation, ack 15 m → 12:25; replied
				// 12:28: 18, breached. Resolution 24 h → 30 Oct 12:10;
				// solved 19:00: 6 h 50 m = 410, met.
				{ticket: "t-4", metric: "first_response", priority: "level-1", deadline: "2026-10-29T12:25:00Z", achieved: "2026-10-29T12:28:00Z", used: 18, target: 15, calendar: "always", state: sla.TargetBreached},
				{ticket: "t-4", metric: "resolution", priority: "level-1", deadline: "2026-10-30T12:10:00Z", achieved: "2026-10-29T19:00:00Z", used: 410, target: 1440, calendar: "always", state: sla.TargetMet},
				// t-5 level 2, 31 Oct 22:00: ack → 22:30, replied 22:20: 20,
				// met. Never solved: resolution due 3 Nov 22:00, as of 24
				// Nov breached; used 31 Oct 22:00 → 24 Nov 00:00 = 23 d 2 h
				// = 554 h = 33,240.
				{ticket: "t-5", metric: "first_response", priority: "level-2", deadline: "2026-10-31T22:30:00Z", achieved: "2026-10-31T22:20:00Z", used: 20, target: 30, calendar: "always", state: sla.TargetMet},
				{ticket: "t-5", metric: "resolution", priority: "level-2", deadline: "2026-11-03T22:00:00Z", used: 33240, target: 4320, calendar: "always", state: sla.TargetBreached},
			},
		},
	}
}

func bloomneoAvail() []availWant {
	// Every plan covers platform, api, database and the beta ai-agents.
	// D = 31 × 1,440 + 60 (the clocks go back on 25 Oct) = 44,700.
	// N = api 30 Sep 23:00-23:30Z (the London October's first 30 min) 30
	//   + 6 Oct platform 14:00-15:00 ∪ api 14:30-16:00 (inc-1 on api from
	//     14:05) = 14:00-16:00 = 120
	//   + 8 Oct database degraded 240 × 0.25 = 60
	//   + 12 Oct platform partial 60 × 0.5 = 30
	//   + 22 Oct platform under maintenance 22:00-22:40 (mw-1022 announced
	//     12 h ahead < 48 h: late) 40
	//   + 27 Oct platform DDoS 30 (DDoS is not excluded)
	//   = 310.
	// Excluded: maintenance 90 (database 18 Oct 01:00-02:30, announced
	// 4 days ahead), force majeure 120 (database 29 Oct 03:00-05:00).
	// Ignored: the 90 s API blip on 15 Oct, under the 2 min minimum: 1.5.
	// The ai-agents outage (20 Oct, 4 h) is beta: not counted.
	// (44,700 − 310) ÷ 44,700 = 44,390/44,700 = 99.3065 % = 44390/447 %.
	base := availWant{
		start: "2026-09-30T23:00:00Z", end: "2026-11-01T00:00:00Z",
		exact: "44390/447", total: 44700, liable: 310, ignored: 1.5,
		excluded: map[sla.Cause]float64{sla.CauseMaintenance: 90, sla.CauseForceMajeure: 120},
		eligible: true, state: sla.CreditAutomatic,
	}
	with := func(f func(*availWant)) availWant {
		w := base
		f(&w)
		return w
	}
	return []availWant{
		// Pro (99.9): tiers < 99.9 → 10, < 99.0 → 25, < 95 → 50: 99.31 →
		// 10 %. 800.00 × 10 % = 80.00, automatic.
		with(func(w *availWant) {
			w.sub, w.plan, w.credit, w.uncapped, w.amount, w.owed = "sub-contoso", "pro", 10, 10, "80.00", "80.00"
		}),
		// Fabrikam fell into arrears on 20 Oct (before the period's end):
		// 80.00 computed but not owed.
		with(func(w *availWant) {
			w.sub, w.plan, w.credit, w.uncapped, w.amount, w.owed = "sub-fabrikam", "pro", 10, 10, "80.00", "0.00"
			w.eligible, w.state = false, sla.CreditNone
			w.ineligible = []string{"account not in good standing (arrears) at the end of the period"}
		}),
		// Max (99.95): tiers < 99.95 → 10, < 99.5 → 25, < 99.0 → 50:
		// 99.31 < 99.5 → 25 %. 2,000.00 × 25 % = 500.00 (under the 50 %
		// cap), automatic.
		with(func(w *availWant) {
			w.sub, w.plan, w.credit, w.uncapped, w.amount, w.owed = "sub-northwind", "max", 25, 25, "500.00", "500.00"
		}),
		// Starter (99.5): < 99.5 → 10 %: 29.00 × 10 % = 2.90; a free trial
		// is not owed credit.
		with(func(w *availWant) {
			w.sub, w.plan, w.credit, w.uncapped, w.amount, w.owed = "sub-tailspin", "starter", 10, 10, "2.90", "0.00"
			w.eligible, w.state = false, sla.CreditNone
			w.ineligible = []string{"free trial"}
		}),
		with(func(w *availWant) {
			w.sub, w.plan, w.credit, w.uncapped, w.amount, w.owed = "sub-woodgrove", "starter", 10, 10, "2.90", "2.90"
		}),
	}
}

func bloomneoIncidents() []incidentWant {
	var out []incidentWant
	for _, plan := range []string{"starter", "pro", "max"} {
		out = append(out,
			// inc-1 critical, resolved Tue 6 Oct 16:00Z = 17:00 BST, the
			// closing time. 5 business days = 5 × 8 h = 40 h from Wed 7
			// Oct 09:00 BST: Wed, Thu, Fri, Mon, Tue → Tue 13 Oct 17:00
			// BST = 16:00Z. Published Mon 12 Oct 16:00 BST: 3 × 8 h + 7 h
			// = 31 h = 1,860, met.
			incidentWant{incident: "inc-1", plan: plan, resolved: "2026-10-06T16:00:00Z", obligations: []targetWant{
				{metric: "postmortem", deadline: "2026-10-13T16:00:00Z", achieved: "2026-10-12T15:00:00Z", used: 1860, target: 2400, calendar: "london-business", state: sla.TargetMet},
			}},
			// inc-3 is minor: no post-mortem is required.
			incidentWant{incident: "inc-3", plan: plan, resolved: "2026-10-20T14:00:00Z"},
			// inc-2 major, resolved Thu 29 Oct 05:00 GMT, before opening:
			// 40 h from Thu 09:00: Thu, Fri, Mon 2, Tue 3, Wed 4 Nov →
			// 17:00Z. None published by 24 Nov: breached; used Thu 29 Oct
			// - Mon 23 Nov = 18 business days × 8 h = 144 h = 8,640.
			incidentWant{incident: "inc-2", plan: plan, resolved: "2026-10-29T05:00:00Z", obligations: []targetWant{
				{metric: "postmortem", deadline: "2026-11-04T17:00:00Z", used: 8640, target: 2400, calendar: "london-business", state: sla.TargetBreached},
			}},
		)
	}
	return out
}

func flosumTickets() []targetWant {
	return []targetWant{
		// t-1 availability, Sat 7 Nov 03:00Z (Fri 22:00 EST, off hours):
		// 2 h around the clock → 05:00; replied 04:30: 90, met.
		{ticket: "t-1", metric: "first_response", priority: "availability", deadline: "2026-11-07T05:00:00Z", achieved: "2026-11-07T04:30:00Z", used: 90, target: 120, calendar: "always", state: sla.TargetMet},
		// Updates every 4 h: 04:30 → 08:00 (210, met), 08:00 → 13:00 (300,
		// breached, due 12:00), 13:00 → 15:00 solved (120, met).
		{ticket: "t-1", metric: "update_every", priority: "availability", deadline: "2026-11-07T12:00:00Z", achieved: "2026-11-07T15:00:00Z", used: 300, target: 240, calendar: "always", state: sla.TargetBreached, cycles: 3, breaches: 1},
		// t-2 other, Tue 10 Nov 15:00 EST. 1 business day = 12 h: Tue
		// 15:00-19:00 (4 h), Wed 11 Nov is Veterans Day, Thu 07:00-15:00
		// (8 h) → Thu 15:00 EST = 20:00Z. Replied Thu 13:00 EST: 4 + 6 =
		// 10 h = 600, met.
		{ticket: "t-2", metric: "first_response", priority: "other", deadline: "2026-11-12T20:00:00Z", achieved: "2026-11-12T18:00:00Z", used: 600, target: 720, calendar: "ny-support", state: sla.TargetMet},
		// Ongoing response (12 h): customer Fri 13 Nov 09:00 EST → agent
		// Mon 08:00 EST: 10 + 1 = 11 h (met, due Mon 09:00). Customer Tue
		// 17 Nov 18:00 EST → agent Thu 08:00 EST: 1 + 12 + 1 = 14 h = 840,
		// breached; due Tue 1 h + Wed 11 h → Wed 18 Nov 18:00 EST = 23:00Z.
		{ticket: "t-2", metric: "ongoing_response", priority: "other", deadline: "2026-11-18T23:00:00Z", achieved: "2026-11-19T13:00:00Z", used: 840, target: 720, calendar: "ny-support", state: sla.TargetBreached, cycles: 2, breaches: 1},
		// Weekly updates (7 d = 10,080 min, 24/7): 12 Nov 18:00 → 16 Nov
		// 13:00 (91 h = 5,460), → 19 Nov 13:00 (72 h), → solved 20 Nov
		// 15:00 (26 h); reopened 23 Nov 14:00 → agent 24 Nov 14:00 (24 h)
		// → solved 16:00 (2 h). 5 cycles, none breached; the last one's
		// deadline 24 Nov 14:00 + 7 d = 1 Dec 14:00.
		{ticket: "t-2", metric: "update_every", priority: "other", deadline: "2026-12-01T14:00:00Z", achieved: "2026-11-24T16:00:00Z", used: 5460, target: 10080, calendar: "always", state: sla.TargetMet, cycles: 5},
		// t-3 filed "other" Mon 23 Nov 15:00Z, raised to availability at
		// 16:00: 2 h from the filing → 17:00; replied 17:30: 150, breached.
		{ticket: "t-3", metric: "first_response", priority: "availability", deadline: "2026-11-23T17:00:00Z", achieved: "2026-11-23T17:30:00Z", used: 150, target: 120, calendar: "always", state: sla.TargetBreached},
		// Updates every 4 h: 17:30 → solved 20:00 (150, met, due 21:30).
		{ticket: "t-3", metric: "update_every", priority: "availability", deadline: "2026-11-23T21:30:00Z", achieved: "2026-11-23T20:00:00Z", used: 150, target: 240, calendar: "always", state: sla.TargetMet, cycles: 1},
		// t-4 other, Wed 25 Nov 08:00 EST; pending the customer 09:00 Wed
		// → 09:00 Fri (Thanksgiving between). 12 h: Wed 1 h, Fri 09:00-
		// 19:00 10 h, Mon 30 Nov 07:00-08:00 1 h → 08:00 EST = 13:00Z.
		// Replied Fri 15:00 EST: 1 + 6 = 7 h = 420, met.
		{ticket: "t-4", metric: "first_response", priority: "other", deadline: "2026-11-30T13:00:00Z", achieved: "2026-11-27T20:00:00Z", used: 420, target: 720, calendar: "ny-support", state: sla.TargetMet},
		// No update since Fri 27 Nov 20:00Z: due 4 Dec 20:00, as of 10 Dec
		// breached; open for 12 d 4 h = 292 h = 17,520.
		{ticket: "t-4", metric: "update_every", priority: "other", deadline: "2026-12-04T20:00:00Z", used: 17520, target: 10080, calendar: "always", state: sla.TargetBreached, cycles: 1, breaches: 1},
	}
}

func infopromoAvail() []availWant {
	// D = 31 × 1,440 = 44,640 (UTC).
	// Standard and Premium cover network and voice:
	// N = 3 Oct network 08:00-08:40 ∪ voice 08:20-09:00 = 60
	//   + 13 Oct voice 04:00-04:30, the overrun after mw-1013 = 30
	//   + 20 Oct network under maintenance 01:00-01:45 (mw-1020 announced
	//     13 h ahead < 48 h: late) = 45
	//   = 135.
	// Excluded: maintenance 120 (voice 02:00-04:00 in mw-1013), ddos 90
	// (9 Oct), force majeure 120 (24 Oct), third party 120 × 0.3 = 36
	// (27 Oct partial).
	// (44,640 − 135) ÷ 44,640 = 44,505/44,640 = 99.6976 % = 24725/248 %.
	// Downtime 100 − 99.6976 = 75/248 = 0.302 points; per 1 point,
	// rounded up: 1 step × 10 % = 10 %.
	// The last counted failure ends 20 Oct 01:45: claims by 27 Oct 01:45.
	//
	// Performance on the network (the 30 Sep sample is outside the
	// period): latency "below 50 ms for most regions", each region's mean
	// on its own: Toronto 42 and Montreal 48 meet it, Vancouver 61 and
	// Calgary 53 do not: 2 of 4 is not most (more than half): +5 %; the
	// value shown is the mean of all, (42 + 48 + 61 + 53) ÷ 4 = 51; packet loss mean (0.05 + 0.08 + 0.1 + 0.05) ÷ 4 = 0.07 < 0.1:
	// met; throughput min 180: ≥ 100 (Standard) met, < 200 (Premium) and
	// < 500 (Enterprise) +10 %.
	excl := map[sla.Cause]float64{sla.CauseMaintenance: 120, sla.CauseDDoS: 90, sla.CauseForceMajeure: 120, sla.CauseThirdParty: 36}
	perf := func(tputMet bool) []perfWant {
		tput := perfWant{id: "throughput", value: 180, samples: 4, met: tputMet}
		if !tputMet {
			tput.credit = 10
		}
		return []perfWant{
			{id: "latency", value: 51, samples: 4, met: false, credit: 5, locationsMet: "most: 2 of 4"},
			{id: "packet-loss", value: 0.07, samples: 4, met: true},
			tput,
		}
	}
	return []availWant{
		{
			// 10 + 5 = 15 % of 300.00 = 45.00; never claimed, deadline
			// passed: expired, owed 0.00.
			sub: "sub-bistro", plan: "standard",
			start: "2026-10-01T00:00:00Z", end: "2026-11-01T00:00:00Z",
			exact: "24725/248", total: 44640, liable: 135, excluded: excl,
			credit: 15, uncapped: 15, amount: "45.00", owed: "0.00",
			state: sla.CreditExpired, deadline: "2026-10-27T01:45:00Z", eligible: true,
			perf: perf(true),
		},
		{
			// 10 + 5 + 10 = 25 % of 900.00 = 225.00; claimed 30 Oct,
			// after 27 Oct 01:45: late, owed 0.00.
			sub: "sub-harbor", plan: "premium",
			start: "2026-10-01T00:00:00Z", end: "2026-11-01T00:00:00Z",
			exact: "24725/248", total: 44640, liable: 135, excluded: excl,
			credit: 25, uncapped: 25, amount: "225.00", owed: "0.00",
			state: sla.CreditLate, deadline: "2026-10-27T01:45:00Z", claim: "claim-harbor", eligible: true,
			perf: perf(false),
		},
		{
			// Enterprise also covers the portal, down 29 Oct 12:00-20:00:
			// N = 135 + 480 = 615. (44,640 − 615) ÷ 44,640 = 44,025/44,640
			// = 98.6223 % = 73375/744 %. Downtime 1,025/744 = 1.378
			// points → 2 steps → 20 %. 20 + 5 + 10 = 35 % of 5,000.00 =
			// 1,750.00. The last failure ends 29 Oct 20:00: claim by 5 Nov
			// 20:00; claimed 2 Nov: owed 1,750.00.
			sub: "sub-northstar", plan: "enterprise",
			start: "2026-10-01T00:00:00Z", end: "2026-11-01T00:00:00Z",
			exact: "73375/744", total: 44640, liable: 615, excluded: excl,
			credit: 35, uncapped: 35, amount: "1750.00", owed: "1750.00",
			state: sla.CreditClaimed, deadline: "2026-11-05T20:00:00Z", claim: "claim-northstar", eligible: true,
			perf: perf(false),
		},
	}
}

// evaluateExample runs the evaluate command on one example, as JSON.
func evaluateExample(t *testing.T, c exampleCase) *sla.Report {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args := []string{"evaluate",
		"--policy", filepath.Join(examplesDir, c.policy),
		"--facts", filepath.Join(examplesDir, c.facts),
		"--period", c.period, "--as-of", c.asOf, "-o", "json"}
	if err := run(context.Background(), args, os.Getenv, strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatalf("evaluate: %v\nstderr: %s", err, stderr.String())
	}
	var rep sla.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("decode report: %v", err)
	}
	return &rep
}

func TestExamplesEvaluate(t *testing.T) {
	for _, c := range exampleCases() {
		t.Run(c.name, func(t *testing.T) {
			rep := evaluateExample(t, c)
			if rep.Version != c.version {
				t.Errorf("version: got %q, want %q", rep.Version, c.version)
			}
			checkAvail(t, rep, c.avail)
			checkTickets(t, rep, c.tickets)
			checkIncidents(t, rep, c.incidents)
			checkRecovery(t, rep, c.recovery)
		})
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9 }

func wantTime(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("bad time in the test table: %q", s)
	}
	return at
}

func checkTime(t *testing.T, what string, got *time.Time, want string) {
	t.Helper()
	switch {
	case want == "" && got != nil:
		t.Errorf("%s: got %s, want none", what, got.Format(time.RFC3339))
	case want == "":
	case got == nil:
		t.Errorf("%s: got none, want %s", what, want)
	case !got.Equal(wantTime(t, want)):
		t.Errorf("%s: got %s, want %s", what, got.UTC().Format(time.RFC3339), want)
	}
}

func checkFloat(t *testing.T, what string, got, want float64) {
	t.Helper()
	if !near(got, want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

func checkAvail(t *testing.T, rep *sla.Report, wants []availWant) {
	t.Helper()
	if len(rep.Subscriptions) != len(wants) {
		t.Errorf("subscription reports: got %d, want %d", len(rep.Subscriptions), len(wants))
	}
	for _, w := range wants {
		t.Run(w.sub, func(t *testing.T) {
			var s *sla.SubscriptionReport
			for _, x := range rep.Subscriptions {
				if x.Subscription == w.sub {
					s = x
				}
			}
			if s == nil {
				t.Fatalf("no report for subscription %s", w.sub)
			}
			if s.Plan != w.plan || s.Override != w.override {
				t.Errorf("plan: got %s (override %v), want %s (override %v)", s.Plan, s.Override, w.plan, w.override)
			}
			checkTime(t, "start", &s.Start, w.start)
			checkTime(t, "end", &s.End, w.end)
			if s.UptimeExact != w.exact {
				t.Errorf("uptime_exact: got %s, want %s", s.UptimeExact, w.exact)
			}
			if r, ok := new(big.Rat).SetString(w.exact); ok {
				f, _ := r.Float64()
				checkFloat(t, "uptime_percent", s.Uptime, f)
			} else {
				t.Errorf("bad fraction in the test table: %q", w.exact)
			}
			if s.Met != w.met {
				t.Errorf("met: got %v, want %v", s.Met, w.met)
			}
			checkFloat(t, "total_minutes", s.TotalMinutes, w.total)
			checkFloat(t, "maintenance_minutes", s.MaintenanceMinutes, w.maint)
			checkFloat(t, "liable_minutes", s.LiableMinutes, w.liable)
			checkFloat(t, "ignored_minutes", s.IgnoredMinutes, w.ignored)
			for _, cause := range sla.Causes {
				checkFloat(t, "excluded_minutes["+string(cause)+"]", s.ExcludedMinutes[cause], w.excluded[cause])
			}
			cr := s.Credit
			checkFloat(t, "credit percent", cr.Percent, w.credit)
			checkFloat(t, "credit uncapped_percent", cr.Uncapped, w.uncapped)
			if cr.Capped != (w.credit != w.uncapped) {
				t.Errorf("credit capped: got %v, want %v", cr.Capped, w.credit != w.uncapped)
			}
			if cr.Amount != w.amount {
				t.Errorf("credit amount: got %s, want %s", cr.Amount, w.amount)
			}
			if cr.Owed != w.owed {
				t.Errorf("credit owed: got %s, want %s", cr.Owed, w.owed)
			}
			if cr.State != w.state {
				t.Errorf("credit state: got %s, want %s", cr.State, w.state)
			}
			checkTime(t, "claim deadline", cr.ClaimDeadline, w.deadline)
			if cr.Claim != w.claim {
				t.Errorf("claim: got %q, want %q", cr.Claim, w.claim)
			}
			if cr.Eligible != w.eligible {
				t.Errorf("eligible: got %v, want %v", cr.Eligible, w.eligible)
			}
			if strings.Join(cr.Ineligible, "; ") != strings.Join(w.ineligible, "; ") {
				t.Errorf("ineligible: got %q, want %q", cr.Ineligible, w.ineligible)
			}
			if len(s.Performance) != len(w.perf) {
				t.Errorf("performance results: got %d, want %d", len(s.Performance), len(w.perf))
			}
			for _, wp := range w.perf {
				var p *sla.PerfResult
				for _, x := range s.Performance {
					if x.ID == wp.id {
						p = x
					}
				}
				if p == nil {
					t.Errorf("performance %s: missing", wp.id)
					continue
				}
				if p.Value == nil {
					t.Errorf("performance %s value: got none, want %v", wp.id, wp.value)
				} else {
					checkFloat(t, "performance "+wp.id+" value", *p.Value, wp.value)
				}
				if p.Samples != wp.samples || p.Met != wp.met {
					t.Errorf("performance %s: got %d samples, met %v; want %d, met %v", wp.id, p.Samples, p.Met, wp.samples, wp.met)
				}
				checkFloat(t, "performance "+wp.id+" credit", p.Credit, wp.credit)
				if wp.locationsMet != "" {
					met := 0
					for _, l := range p.Locations {
						if l.Met {
							met++
						}
					}
					if got := fmt.Sprintf("%s: %d of %d", p.Rule, met, len(p.Locations)); got != wp.locationsMet {
						t.Errorf("performance %s locations: got %q, want %q", wp.id, got, wp.locationsMet)
					}
				}
			}
		})
	}
}

func checkTarget(t *testing.T, what string, got *sla.TargetResult, w targetWant) {
	t.Helper()
	checkTime(t, what+" deadline", &got.Deadline, w.deadline)
	checkTime(t, what+" achieved_at", got.AchievedAt, w.achieved)
	checkFloat(t, what+" used_minutes", got.UsedMinutes, w.used)
	checkFloat(t, what+" target_minutes", got.TargetMinutes, w.target)
	if got.Calendar != w.calendar {
		t.Errorf("%s calendar: got %s, want %s", what, got.Calendar, w.calendar)
	}
	if got.State != w.state {
		t.Errorf("%s state: got %s, want %s", what, got.State, w.state)
	}
	if got.Cycles != w.cycles || got.Breaches != w.breaches {
		t.Errorf("%s cycles: got %d (%d breached), want %d (%d breached)", what, got.Cycles, got.Breaches, w.cycles, w.breaches)
	}
}

func checkTickets(t *testing.T, rep *sla.Report, wants []targetWant) {
	t.Helper()
	n := 0
	for _, tr := range rep.Tickets {
		n += len(tr.Targets)
	}
	if n != len(wants) {
		t.Errorf("ticket targets: got %d, want %d", n, len(wants))
	}
	for _, w := range wants {
		what := w.ticket + " " + w.metric
		var got *sla.TargetResult
		for _, tr := range rep.Tickets {
			if tr.Ticket != w.ticket {
				continue
			}
			if tr.Priority != w.priority {
				t.Errorf("%s priority: got %s, want %s", what, tr.Priority, w.priority)
			}
			for _, x := range tr.Targets {
				if x.Metric == w.metric {
					got = x
				}
			}
		}
		if got == nil {
			t.Errorf("%s: missing", what)
			continue
		}
		checkTarget(t, what, got, w)
	}
}

func checkIncidents(t *testing.T, rep *sla.Report, wants []incidentWant) {
	t.Helper()
	if len(rep.Incidents) != len(wants) {
		t.Errorf("incident reports: got %d, want %d", len(rep.Incidents), len(wants))
	}
	for _, w := range wants {
		what := w.incident + " (" + w.plan + ")"
		var got *sla.IncidentReport
		for _, x := range rep.Incidents {
			if x.Incident == w.incident && x.Plan == w.plan {
				got = x
			}
		}
		if got == nil {
			t.Errorf("%s: missing", what)
			continue
		}
		checkTime(t, what+" resolved", got.Resolved, w.resolved)
		if len(got.Obligations) != len(w.obligations) {
			t.Errorf("%s obligations: got %d, want %d", what, len(got.Obligations), len(w.obligations))
			continue
		}
		for i, wo := range w.obligations {
			if got.Obligations[i].Metric != wo.metric {
				t.Errorf("%s obligation %d: got %s, want %s", what, i, got.Obligations[i].Metric, wo.metric)
				continue
			}
			checkTarget(t, what+" "+wo.metric, got.Obligations[i], wo)
		}
	}
}

func checkRecovery(t *testing.T, rep *sla.Report, wants []recoveryWant) {
	t.Helper()
	if len(rep.Recovery) != len(wants) {
		t.Errorf("recovery reports: got %d, want %d", len(rep.Recovery), len(wants))
	}
	for _, w := range wants {
		var got *sla.RecoveryReport
		for _, x := range rep.Recovery {
			if x.Plan == w.plan {
				got = x
			}
		}
		if got == nil {
			t.Errorf("recovery of plan %s: missing", w.plan)
			continue
		}
		checkFloat(t, w.plan+" longest backup gap", got.LongestGapMinutes, w.longestGap)
		if got.BackupsMet != w.backupsMet {
			t.Errorf("%s backups met: got %v, want %v", w.plan, got.BackupsMet, w.backupsMet)
		}
		if got.RestoreTests != w.restoreTests || got.RestoreTestsMet != w.restoreMet {
			t.Errorf("%s restore tests: got %d (met %v), want %d (met %v)", w.plan, got.RestoreTests, got.RestoreTestsMet, w.restoreTests, w.restoreMet)
		}
		if len(got.Disasters) != len(w.disasters) {
			t.Errorf("%s disasters: got %d, want %d", w.plan, len(got.Disasters), len(w.disasters))
			continue
		}
		for i, wd := range w.disasters {
			d := got.Disasters[i]
			if d.Disaster != wd.id {
				t.Errorf("%s disaster %d: got %s, want %s", w.plan, i, d.Disaster, wd.id)
				continue
			}
			checkTime(t, wd.id+" restored", d.Restored, wd.restored)
			checkFloat(t, wd.id+" recovery minutes", d.RecoveryMinutes, wd.recovery)
			if d.RTOMet != wd.rtoMet || d.RPOMet != wd.rpoMet {
				t.Errorf("%s: got RTO met %v, RPO met %v; want %v, %v", wd.id, d.RTOMet, d.RPOMet, wd.rtoMet, wd.rpoMet)
			}
			switch {
			case wd.dataLoss < 0 && d.DataLossMinutes != nil:
				t.Errorf("%s data loss: got %v, want none", wd.id, *d.DataLossMinutes)
			case wd.dataLoss >= 0 && d.DataLossMinutes == nil:
				t.Errorf("%s data loss: got none, want %v", wd.id, wd.dataLoss)
			case wd.dataLoss >= 0:
				checkFloat(t, wd.id+" data loss minutes", *d.DataLossMinutes, wd.dataLoss)
			}
		}
	}
}

func TestExamplesPolicyCheck(t *testing.T) {
	for _, c := range exampleCases() {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			path := filepath.Join(examplesDir, c.policy)
			err := run(context.Background(), []string{"policy", "check", path}, os.Getenv, strings.NewReader(""), &stdout, &stderr)
			if err != nil {
				t.Fatalf("policy check %s: got %v, want nil\n%s", path, err, stdout.String())
			}
			if want := "ok    " + path; !strings.HasPrefix(stdout.String(), want) {
				t.Errorf("output: got %q, want it to start with %q", stdout.String(), want)
			}
		})
	}
}

// TestExamplesBadInput checks that bad policies and facts are refused with
// the file, line and field, and exit code 2.
func TestExamplesBadInput(t *testing.T) {
	dir := t.TempDir()
	badObjective := filepath.Join(dir, "bad-objective.yaml")
	// Line 9 holds the objective.
	if err := os.WriteFile(badObjective, []byte(`policy: bad
components:
  - id: web
versions:
  - version: "1"
    effective: 2026-01-01
    plans:
      - id: basic
        objective: 199.5
        components: [web]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	badFacts := filepath.Join(dir, "bad-time.jsonl")
	// Line 3 holds the bad time (line 1 is a comment).
	if err := os.WriteFile(badFacts, []byte(`# bad evidence
{"type":"customer","id":"nordic-retail"}
{"type":"status","id":"st-1","at":"2026-10-14 09:00","component":"pim","status":"major_outage"}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	reduction := filepath.Join(examplesDir, "testdata", "001-bloomneo-reduction.yaml")
	tests := []struct {
		name string
		args []string
		// want is in the error or the output.
		want string
	}{
		{
			name: "objective above 100",
			args: []string{"policy", "check", badObjective},
			want: badObjective + ":9: versions[0].plans[0].objective: must be between 0 and 100, got 199.5",
		},
		{
			// Seed 001's 60 days' notice: version 2026-11 lowers the Max
			// objective and says it takes effect 30 days after it was
			// published (2 Oct + 30 d = 1 Nov < 2 Oct + 60 d = 1 Dec).
			name: "reduction with 30 days' notice",
			args: []string{"policy", "check", reduction},
			want: reduction + `:19: versions[1].effective: version "2026-11" reduces protections (plan "max": objective lowered from 99.95 % to 99.9 %) and so cannot take effect before 2026-12-01T00:00:00Z`,
		},
		{
			name: "fact with a bad time",
			args: []string{"evaluate", "--policy", filepath.Join(examplesDir, "002-bluestone.yaml"), "--facts", badFacts, "--period", "2026-10", "--as-of", "2026-11-24T00:00:00Z"},
			want: badFacts + `:3: at: want an RFC 3339 time such as 2026-10-05T14:03:00Z, got "2026-10-14 09:00"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tc.args, os.Getenv, strings.NewReader(""), &stdout, &stderr)
			if err == nil {
				t.Fatalf("got nil error, want one naming %q", tc.want)
			}
			if got := exitCode(err); got != exitInput {
				t.Errorf("exit code: got %d, want %d", got, exitInput)
			}
			all := err.Error() + "\n" + stdout.String() + stderr.String()
			if !strings.Contains(all, tc.want) {
				t.Errorf("message: got %q, want it to contain %q", all, tc.want)
			}
		})
	}
}
