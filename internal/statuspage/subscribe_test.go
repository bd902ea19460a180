package statuspage

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestSubscribePages(t *testing.T) {
	r, err := NewSubscriber()
	if err != nil {
		t.Fatal(err)
	}
	site := &Site{Title: "Acme status", Brand: "#aa3300", TimeZone: "UTC", GeneratedAt: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	var b bytes.Buffer
	err = r.Form(&b, SubscribeForm{Site: site, Email: `a"<b>@example.org`, Field: "email", Errors: []string{"<not> an address"},
		Components: []SubscribeChoice{{ID: "api", Name: "API", Checked: true}, {ID: "web", Name: "Website", Group: "Front"}}})
	if err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		"<title>Subscribe to updates · Acme status</title>",
		`<form method="post" action="/subscribe"`,
		`value="api" checked> API`, `value="web"> Front: Website`,
		`aria-invalid="true"`, `role="alert"`,
		// What the visitor typed is escaped, never markup.
		`value="a&#34;&lt;b&gt;@example.org"`, "&lt;not&gt; an address",
		"--brand-light: #aa3300",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("form lacks %q:\n%s", want, page)
		}
	}
	b.Reset()
	if err := r.Done(&b, SubscribeDone{Site: site, Heading: "You are unsubscribed", Paragraphs: []string{"No more <mail>."}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<title>You are unsubscribed · Acme status</title>", "<h1>You are unsubscribed</h1>", "No more &lt;mail&gt;."} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("done page lacks %q:\n%s", want, b.String())
		}
	}
}
