// Package cluster decides which replica does which work when several
// servers share one PostgreSQL database. It is pure: the store keeps the
// membership rows (one per replica, renewed every heartbeat), and this
// package turns a snapshot of them into an owner per piece of work.
//
// The rules, in the database's clock:
//   - a replica takes work from its From time, which is when it joined plus
//     a grace of two heartbeats, so that every other replica has seen it join
//     before it does anything: none of them still runs what it takes;
//   - a replica that left (Until) or whose lease lapsed (no renewal for a
//     lease) does nothing any more, and a lapsed one must join again;
//   - each piece of work (a monitor's checks and detection) belongs to the
//     live replica with the highest rendezvous score of (work, replica), so
//     a replica's death moves only its own work, spread over the others.
//
// Two replicas whose snapshots differ agree except about the replica on
// which they differ: the one that sees it dead runs its work, the one that
// sees it alive leaves that work to it. A crashed replica runs nothing, so
// the difference costs nothing twice; at worst the work waits one refresh.
package cluster

import (
	"slices"
	"time"

	"github.com/slakeeper/slakeeper/internal/hashmix"
)

// Member is one replica as its membership row says.
type Member struct {
	ID string
	// Name is for people: host and process id.
	Name string
	// From is when it takes work, Seen its latest renewal, Until (zero
	// while it runs) when it left.
	From, Seen, Until time.Time
}

// View is one replica's snapshot of the membership.
type View struct {
	// Self is the replica holding the view.
	Self string
	// Taken is the database's time of the snapshot; Skew the database's
	// clock minus the local one, so that local times map to it.
	Taken time.Time
	Skew  time.Duration
	// Lease is how long a replica lives without a renewal.
	Lease   time.Duration
	Members []Member
}

// alive reports whether m does work at database time t. A lease is judged
// at the snapshot, not at t: a view that cannot be refreshed (the database
// is away for everyone) keeps every replica that was alive in it at work,
// so the checks go on, each where it was.
func (v *View) alive(m *Member, t time.Time) bool {
	switch {
	case t.Before(m.From):
		return false
	case !m.Until.IsZero() && !t.Before(m.Until):
		return false
	}
	return v.Taken.Sub(m.Seen) < v.Lease
}

// Alive returns the ids of the replicas alive at local time t, sorted.
func (v *View) Alive(t time.Time) []string {
	if v == nil {
		return nil
	}
	t = t.Add(v.Skew)
	var out []string
	for i := range v.Members {
		if v.alive(&v.Members[i], t) {
			out = append(out, v.Members[i].ID)
		}
	}
	slices.Sort(out)
	return out
}

// Owner returns the replica that does work key at local time t, or "" when
// no replica is alive then.
func (v *View) Owner(key string, t time.Time) string {
	if v == nil {
		return ""
	}
	t = t.Add(v.Skew)
	best, owner := uint64(0), ""
	for i := range v.Members {
		m := &v.Members[i]
		if !v.alive(m, t) {
			continue
		}
		if s := score(key, m.ID); owner == "" || s > best || s == best && m.ID < owner {
			best, owner = s, m.ID
		}
	}
	return owner
}

// Owns reports whether the view's own replica does work key at local
// time t.
func (v *View) Owns(key string, t time.Time) bool {
	return v != nil && v.Owner(key, t) == v.Self
}

// score is the rendezvous weight of work key on replica id (hashmix of
// both, so that similar ids spread).
func score(key, id string) uint64 { return hashmix.String(key, id) }
