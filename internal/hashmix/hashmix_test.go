package hashmix

import (
	"hash/fnv"
	"testing"
)

// The values the scheduler's phases and the cluster's placement were
// computed with before they shared this package: FNV-1a, a zero byte
// between parts, SplitMix64's finalizer.
func TestString(t *testing.T) {
	mix := func(x uint64) uint64 {
		x ^= x >> 30
		x *= 0xbf58476d1ce4e5b9
		x ^= x >> 27
		x *= 0x94d049bb133111eb
		x ^= x >> 31
		return x
	}
	fnvOf := func(b []byte) uint64 {
		h := fnv.New64a()
		h.Write(b)
		return h.Sum64()
	}
	for _, tc := range []struct {
		parts []string
		bytes string
	}{
		{[]string{"api-http"}, "api-http"},
		{[]string{"m001", "replica-a"}, "m001\x00replica-a"},
		{[]string{""}, ""},
	} {
		if got, want := String(tc.parts...), mix(fnvOf([]byte(tc.bytes))); got != want {
			t.Errorf("%q: got %x, want %x", tc.parts, got, want)
		}
	}
	if String("m001") == String("m002") {
		t.Error("neighbouring ids hash alike")
	}
}
