package server

import (
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// testAlicePassword is the password of the test configuration's user
// alice.
const testAlicePassword = "alice-has-a-long-password"

var aliceHash struct {
	once sync.Once
	h    string
	err  error
}

// testAliceHash is the bcrypt hash of testAlicePassword at the lowest cost
// the configuration accepts, made once per test binary.
func testAliceHash(tb testing.TB) string {
	tb.Helper()
	aliceHash.once.Do(func() {
		var h []byte
		h, aliceHash.err = bcrypt.GenerateFromPassword([]byte(testAlicePassword), 10)
		aliceHash.h = string(h)
	})
	if aliceHash.err != nil {
		tb.Fatal(aliceHash.err)
	}
	return aliceHash.h
}
