package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// A receiver that redirects must not steer the server's requests to
// another address (an internal one, say): the redirect is an answer, not
// followed.
func TestPostDoesNotFollowRedirects(t *testing.T) {
	var hits atomic.Int32
	inside := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	t.Cleanup(inside.Close)
	for _, code := range []int{http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, inside.URL+"/latest/meta-data/", code)
		}))
		err := Post(context.Background(), nil, recv.URL, http.Header{}, []byte(`{}`))
		recv.Close()
		if Status(err) != code {
			t.Errorf("redirect %d: got %v, want a status error %d", code, err, code)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the redirect target was requested %d times, want never", n)
	}
}
