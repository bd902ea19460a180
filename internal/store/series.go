package store

import (
	"sort"
	"sync"
)

// seriesCache maps (monitor, location) to the series id. Series rows are
// never deleted, so an id read from a committed row stays valid; ids of
// rows created in a transaction are added only after it commits.
type seriesCache struct {
	mu  sync.Mutex
	ids map[seriesKey]int32
}

// missing returns the keys of rows without a cached id, sorted (so that
// concurrent writers create series in one order), and fills ids with the
// cached ones.
func (c *seriesCache) missing(keys []seriesKey, ids map[seriesKey]int32) []seriesKey {
	c.mu.Lock()
	defer c.mu.Unlock()
	var miss []seriesKey
	for _, k := range keys {
		if _, ok := ids[k]; ok {
			continue
		}
		if id, ok := c.ids[k]; ok {
			ids[k] = id
			continue
		}
		ids[k] = 0
		miss = append(miss, k)
	}
	sortKeys(miss)
	return miss
}

func (c *seriesCache) add(ids map[seriesKey]int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids == nil {
		c.ids = make(map[seriesKey]int32, len(ids))
	}
	for k, id := range ids {
		if id != 0 {
			c.ids[k] = id
		}
	}
}

func sortKeys(ks []seriesKey) {
	sort.Slice(ks, func(i, j int) bool {
		if ks[i].monitor != ks[j].monitor {
			return ks[i].monitor < ks[j].monitor
		}
		return ks[i].location < ks[j].location
	})
}

// rowKeys lists the series keys of rows.
func rowKeys(rows []row) []seriesKey {
	ks := make([]seriesKey, len(rows))
	for i, r := range rows {
		ks[i] = r.key
	}
	return ks
}

// agentMax is the highest seq per location in rows, sorted by location.
func agentMax(rows []row) (locs []string, seqs []int64) {
	m := map[string]int64{}
	for _, r := range rows {
		if r.seq != nil && *r.seq > m[r.key.location] {
			m[r.key.location] = *r.seq
		}
	}
	for l := range m {
		locs = append(locs, l)
	}
	sort.Strings(locs)
	for _, l := range locs {
		seqs = append(seqs, m[l])
	}
	return locs, seqs
}

type minuteKey struct {
	series int32
	minute int64
}

func sortedMinuteKeys(m map[minuteKey]*minuteAgg) []minuteKey {
	ks := make([]minuteKey, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		if ks[i].series != ks[j].series {
			return ks[i].series < ks[j].series
		}
		return ks[i].minute < ks[j].minute
	})
	return ks
}
