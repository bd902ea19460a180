// Package hashmix is the one string hash the scheduler's phases and the
// cluster's monitor placement share: FNV-1a of the parts, separated by a
// zero byte, finished with SplitMix64's mixer so that ids that differ in
// one character land far apart.
package hashmix

import "hash/fnv"

// String hashes parts (one part hashes as its bytes alone).
func String(parts ...string) uint64 {
	h := fnv.New64a()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(p))
	}
	x := h.Sum64()
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
