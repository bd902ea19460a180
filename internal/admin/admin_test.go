package admin

import "testing"

func TestLocalPath(t *testing.T) {
	for _, tt := range []struct{ next, want string }{
		{"/admin", "/admin"},
		{"/admin/incidents/inc-1?x=1", "/admin/incidents/inc-1?x=1"},
		{"", "/admin"},
		{"https://evil.example/admin", "/admin"},
		{"//evil.example/admin", "/admin"},
		{"/\\evil.example", "/admin"},
		{"/admin\\@evil.example", "/admin"},
		{"/administrator", "/admin"},
		{"/api/v1/incidents", "/admin"},
		{"javascript:alert(1)", "/admin"},
		{"/admin/../api", "/admin/../api"},
	} {
		if got := localPath(tt.next); got != tt.want {
			t.Errorf("localPath(%q): got %q, want %q", tt.next, got, tt.want)
		}
	}
}
