package smtptest

import (
	"slices"
	"testing"
)

// Maildir names carry unpadded microseconds: the delivery counter, not
// the name, gives the order the sink received the messages in.
func TestArrivalOrder(t *testing.T) {
	files := []string{
		"/m/new/1796000000.M100000P12Q3.host",
		"/m/new/1796000000.M99999P12Q2.host",
		"/m/new/1796000000.M5P12Q10.hostQ1",
	}
	sortByArrival(files)
	want := []string{"/m/new/1796000000.M99999P12Q2.host", "/m/new/1796000000.M100000P12Q3.host", "/m/new/1796000000.M5P12Q10.hostQ1"}
	if !slices.Equal(files, want) {
		t.Errorf("got %q, want %q", files, want)
	}
}
