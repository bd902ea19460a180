package operatorui

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestAge(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0m"},
		{59 * time.Second, "0m"},
		{40 * time.Minute, "40m"},
		{2*time.Hour + 5*time.Minute, "2h 5m"},
		{3*24*time.Hour + 4*time.Hour + 59*time.Minute, "3d 4h"},
		{-90 * time.Minute, "in 1h 30m"},
	} {
		if got := Age(tt.d); got != tt.want {
			t.Errorf("Age(%s): got %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestFormField(t *testing.T) {
	f := Form{Name: "update", Values: map[string]string{"status": "identified"}, Errors: map[string]string{"components.api": "bad"},
		Defaults: map[string]string{"update/status": "investigating", "resolve/message": "Resolved."}, Checked: map[string]bool{"components=api": true}}
	if got := f.Field("update", "status"); got.Value != "identified" || got.ID != "update-status" {
		t.Errorf("submitted form: got %+v", got)
	}
	if got := f.Field("update", "components.api"); got.Error != "bad" || got.ID != "update-components_api" {
		t.Errorf("error: got %+v", got)
	}
	if got := f.Field("resolve", "message"); got.Value != "Resolved." || got.Error != "" {
		t.Errorf("another form shows its default: got %+v", got)
	}
	if !f.IsChecked("update", "components", "api") || f.IsChecked("attribution", "components", "api") {
		t.Error("checkboxes: the submitted form's ticks belong to it only")
	}
	if FieldLabel("components.web") != "Impact on web" || FieldLabel("reason") != "Reason" || FieldLabel("x") != "x" {
		t.Error("field labels")
	}
}

// TestRenderEmpty renders every page with empty data: a template that
// fails on a missing value fails here, not in front of an operator.
func TestRenderEmpty(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]any{
		"signin": SignIn{}, "dashboard": Dashboard{}, "incident_new": IncidentForm{}, "incident": IncidentPage{},
		"maintenance_new": MaintenanceForm{}, "message": Message{}, "subscribers": Subscribers{}, "subscriber": Deliveries{},
		"subscriber_remove": SubscriberRemove{},
	} {
		var b strings.Builder
		if err := r.Render(&b, name, data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if !strings.Contains(b.String(), `<main id="main"`) {
			t.Errorf("%s: no main landmark", name)
		}
	}
	if err := r.Render(&strings.Builder{}, "nope", nil); err == nil {
		t.Error("an unknown page rendered")
	}
}

func TestStatic(t *testing.T) {
	h := Static()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", StylePath(), nil))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/css; charset=utf-8" || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("style sheet: %d %v", rec.Code, rec.Header())
	}
	rec = httptest.NewRecorder()
	req := httptest.NewRequest("GET", StylePath(), nil)
	req.Header.Set("If-None-Match", `"`+styleHash+`"`)
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("conditional: got %d, want 304", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/admin/static/0000/admin.css", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("old hash: got %d, want 404", rec.Code)
	}
}
