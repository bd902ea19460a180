package feed

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"
)

var (
	t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	// A non-UTC zone checks that output is normalised to UTC.
	cet = time.FixedZone("CET", 3600)
)

// trickyFeed returns a feed whose text exercises escaping: markup, entities,
// quotes, non-ASCII, astral-plane runes, controls and CRLF line endings.
func trickyFeed() Feed {
	return Feed{
		Title:       `Acme <Status> & "Uptime" 'ok' — ü 🚀` + "\x00\x1b",
		Link:        "https://status.example.com/?a=1&b=2",
		SelfURL:     "https://status.example.com/feed.xml?x=<y>",
		Description: "Incidents & maintenance",
		ID:          "tag:status.example.com,2026:feed",
		Updated:     t0.In(cet),
		Items: []Item{
			{
				ID:         "tag:status.example.com,2026:incident/42",
				Title:      `DB <down> & "writes" failing 'now' ` + "\x07é\uFFFE",
				Link:       "https://status.example.com/incidents/42?x=1&y=2",
				Published:  t0.Add(-2 * time.Hour),
				Updated:    t0.Add(-time.Hour).In(cet),
				Text:       "Investigating <script>alert(1)</script> & friends.\r\nLine \"two\" 'x' 日本語\x01\n\n  indented\ttab ]]> end",
				Categories: []string{"database", "a&b <c>", "\x02"},
			},
			{
				ID:        "tag:status.example.com,2026:incident/41",
				Title:     "Resolved: API latency",
				Link:      "https://status.example.com/incidents/41",
				Published: t0.Add(-48 * time.Hour),
				Updated:   t0.Add(-47 * time.Hour),
				Text:      "All good.",
			},
		},
	}
}

func render(t *testing.T, fn func(*bytes.Buffer, Feed) error, f Feed) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := fn(&buf, f); err != nil {
		t.Fatalf("render: %v", err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte(xml.Header)) {
		t.Fatalf("missing XML declaration:\n%s", buf.Bytes())
	}
	checkWellFormed(t, buf.Bytes())
	return buf.Bytes()
}

func rssFn(b *bytes.Buffer, f Feed) error  { return RSS(b, f) }
func atomFn(b *bytes.Buffer, f Feed) error { return Atom(b, f) }

// checkWellFormed runs a strict tokenizer over doc and rejects any character
// XML 1.0 forbids, whether literal or produced by a character reference.
func checkWellFormed(t *testing.T, doc []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return
			}
			t.Fatalf("not well-formed: %v\n%s", err, doc)
		}
		var texts []string
		switch v := tok.(type) {
		case xml.CharData:
			texts = append(texts, string(v))
		case xml.StartElement:
			for _, a := range v.Attr {
				texts = append(texts, a.Value)
			}
		}
		for _, s := range texts {
			if s != clean(s) || strings.ContainsRune(s, '\uFFFD') {
				t.Fatalf("forbidden or replaced character in %q", s)
			}
		}
	}
}

type xRSS struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		Title         string `xml:"title"`
		Description   string `xml:"description"`
		LastBuildDate string `xml:"lastBuildDate"`
		// Both <link> and <atom:link> share the local name "link".
		Links []xRSSLink `xml:"link"`
		Items []struct {
			Title string `xml:"title"`
			Link  string `xml:"link"`
			GUID  struct {
				IsPermaLink string `xml:"isPermaLink,attr"`
				Value       string `xml:",chardata"`
			} `xml:"guid"`
			PubDate     string   `xml:"pubDate"`
			Updated     string   `xml:"http://www.w3.org/2005/Atom updated"`
			Description string   `xml:"description"`
			Categories  []string `xml:"category"`
		} `xml:"item"`
	} `xml:"channel"`
}

type xRSSLink struct {
	XMLName xml.Name
	Href    string `xml:"href,attr"`
	Rel     string `xml:"rel,attr"`
	Type    string `xml:"type,attr"`
	Value   string `xml:",chardata"`
}

// split separates the plain RSS <link> text from atom:link elements.
func split(links []xRSSLink) (plain []string, atom []xRSSLink) {
	for _, l := range links {
		if l.XMLName.Space == atomNS {
			atom = append(atom, l)
		} else {
			plain = append(plain, l.Value)
		}
	}
	return plain, atom
}

func TestRSSStructure(t *testing.T) {
	f := trickyFeed()
	doc := render(t, rssFn, f)
	s := string(doc)
	for _, want := range []string{
		`<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">`,
		`<atom:link href="https://status.example.com/feed.xml?x=&lt;y&gt;" rel="self" type="application/rss+xml">`,
		`<guid isPermaLink="false">tag:status.example.com,2026:incident/42</guid>`,
		`<pubDate>Wed, 04 Mar 2026 03:06:07 +0000</pubDate>`,
		`<atom:updated>2026-03-04T04:06:07Z</atom:updated>`,
		`<lastBuildDate>Wed, 04 Mar 2026 05:06:07 +0000</lastBuildDate>`,
		`<title>DB &lt;down&gt; &amp; &#34;writes&#34; failing &#39;now&#39; é</title>`,
		`<link>https://status.example.com/incidents/42?x=1&amp;y=2</link>`,
		`<category>a&amp;b &lt;c&gt;</category>`,
		// Description is HTML: the plain text is HTML-escaped, then XML-escaped.
		`&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt; &amp;amp; friends.&#xA;Line`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("RSS missing %s\n%s", want, s)
		}
	}
	if strings.Contains(s, "<![CDATA[") {
		t.Errorf("RSS should escape text, not use CDATA")
	}

	var x xRSS
	if err := xml.Unmarshal(doc, &x); err != nil {
		t.Fatal(err)
	}
	ch := x.Channel
	plain, self := split(ch.Links)
	if x.Version != "2.0" || ch.Title != `Acme <Status> & "Uptime" 'ok' — ü 🚀` ||
		len(plain) != 1 || plain[0] != f.Link || ch.Description != f.Description {
		t.Errorf("channel = %+v", ch)
	}
	if len(self) != 1 || self[0].Rel != "self" || self[0].Href != f.SelfURL || self[0].Type != "application/rss+xml" {
		t.Errorf("atom:link = %+v", self)
	}
	if len(ch.Items) != 2 {
		t.Fatalf("items = %d", len(ch.Items))
	}
	for i, it := range ch.Items {
		if it.GUID.Value != f.Items[i].ID || it.GUID.IsPermaLink != "false" {
			t.Errorf("item %d guid = %+v", i, it.GUID)
		}
		p, err := time.Parse(time.RFC1123Z, it.PubDate)
		if err != nil || !p.Equal(f.Items[i].Published) {
			t.Errorf("item %d pubDate %q: %v", i, it.PubDate, err)
		}
	}
	it := ch.Items[0]
	wantText := "Investigating &lt;script&gt;alert(1)&lt;/script&gt; &amp; friends.\nLine &#34;two&#34; &#39;x&#39; 日本語\n\n  indented\ttab ]]&gt; end"
	if it.Description != wantText {
		t.Errorf("description = %q, want %q", it.Description, wantText)
	}
	if strings.Join(it.Categories, "|") != "database|a&b <c>" {
		t.Errorf("categories = %q", it.Categories)
	}
	if ch.Items[1].Categories != nil {
		t.Errorf("item without categories got %q", ch.Items[1].Categories)
	}
}

type xAtom struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   struct {
		Type  string `xml:"type,attr"`
		Value string `xml:",chardata"`
	} `xml:"title"`
	Subtitle string `xml:"subtitle"`
	Updated  string `xml:"updated"`
	Author   string `xml:"author>name"`
	Links    []struct {
		Href string `xml:"href,attr"`
		Rel  string `xml:"rel,attr"`
		Type string `xml:"type,attr"`
	} `xml:"link"`
	Entries []struct {
		ID        string `xml:"id"`
		Title     string `xml:"title"`
		Updated   string `xml:"updated"`
		Published string `xml:"published"`
		Link      []struct {
			Href string `xml:"href,attr"`
			Rel  string `xml:"rel,attr"`
		} `xml:"link"`
		Content struct {
			Type  string `xml:"type,attr"`
			Value string `xml:",chardata"`
		} `xml:"content"`
		Categories []struct {
			Term string `xml:"term,attr"`
		} `xml:"category"`
	} `xml:"entry"`
}

func TestAtomStructure(t *testing.T) {
	f := trickyFeed()
	doc := render(t, atomFn, f)
	s := string(doc)
	for _, want := range []string{
		`<feed xmlns="http://www.w3.org/2005/Atom">`,
		`<id>tag:status.example.com,2026:feed</id>`,
		`<updated>2026-03-04T05:06:07Z</updated>`,
		`<link href="https://status.example.com/feed.xml?x=&lt;y&gt;" rel="self" type="application/atom+xml">`,
		`<link href="https://status.example.com/?a=1&amp;b=2" rel="alternate" type="text/html">`,
		`<title type="text">DB &lt;down&gt; &amp; &#34;writes&#34; failing &#39;now&#39; é</title>`,
		`<content type="text">Investigating &lt;script&gt;alert(1)&lt;/script&gt; &amp; friends.&#xA;Line`,
		`<published>2026-03-04T03:06:07Z</published>`,
		`<category term="a&amp;b &lt;c&gt;">`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("Atom missing %s\n%s", want, s)
		}
	}

	var x xAtom
	if err := xml.Unmarshal(doc, &x); err != nil {
		t.Fatal(err)
	}
	if x.ID != f.ID || x.Title.Type != "text" || x.Title.Value != `Acme <Status> & "Uptime" 'ok' — ü 🚀` ||
		x.Subtitle != f.Description || x.Author == "" || x.Updated != "2026-03-04T05:06:07Z" {
		t.Errorf("feed = %+v", x)
	}
	if len(x.Links) != 2 || x.Links[0].Rel != "self" || x.Links[0].Href != f.SelfURL ||
		x.Links[1].Rel != "alternate" || x.Links[1].Href != f.Link {
		t.Errorf("links = %+v", x.Links)
	}
	if len(x.Entries) != 2 {
		t.Fatalf("entries = %d", len(x.Entries))
	}
	for i, e := range x.Entries {
		in := f.Items[i]
		if e.ID != in.ID || len(e.Link) != 1 || e.Link[0].Href != in.Link || e.Link[0].Rel != "alternate" {
			t.Errorf("entry %d = %+v", i, e)
		}
		if e.Content.Type != "text" {
			t.Errorf("entry %d content type %q", i, e.Content.Type)
		}
		for _, ts := range []struct {
			got  string
			want time.Time
		}{{e.Published, in.Published}, {e.Updated, in.Updated}} {
			p, err := time.Parse(time.RFC3339, ts.got)
			if err != nil || !p.Equal(ts.want) || !strings.HasSuffix(ts.got, "Z") {
				t.Errorf("entry %d time %q want %v: %v", i, ts.got, ts.want, err)
			}
		}
	}
	wantText := "Investigating <script>alert(1)</script> & friends.\nLine \"two\" 'x' 日本語\n\n  indented\ttab ]]> end"
	if x.Entries[0].Content.Value != wantText {
		t.Errorf("content = %q, want %q", x.Entries[0].Content.Value, wantText)
	}
	if len(x.Entries[0].Categories) != 2 || x.Entries[0].Categories[1].Term != "a&b <c>" {
		t.Errorf("categories = %+v", x.Entries[0].Categories)
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                 "plain",
		"a\x00b\x01c\x1fd":      "abcd",
		"tab\tnl\ncr\rcrlf\r\n": "tab\tnl\ncr\ncrlf\n",
		"\uFFFE\uFFFF\uD7FF":    "\uD7FF",
		"bad\xffutf8":           "bad\uFFFDutf8",
		"é🚀\U0010FFFF":          "é🚀\U0010FFFF",
		"\x7f\u0085ok":          "\x7f\u0085ok", // allowed by XML 1.0
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTimeFallbacks(t *testing.T) {
	f := Feed{
		Title: "T", Link: "https://s.example.com/",
		Items: []Item{
			{ID: "a", Title: "only updated", Updated: t0},
			{Link: "https://s.example.com/i/1", Title: "only published", Published: t0.Add(-time.Hour)},
		},
	}
	var x xAtom
	if err := xml.Unmarshal(render(t, atomFn, f), &x); err != nil {
		t.Fatal(err)
	}
	if x.ID != f.Link || x.Updated != "2026-03-04T05:06:07Z" {
		t.Errorf("feed id/updated fallback = %q %q", x.ID, x.Updated)
	}
	if e := x.Entries[0]; e.Published != "2026-03-04T05:06:07Z" || e.Updated != e.Published {
		t.Errorf("entry 0 = %+v", e)
	}
	if e := x.Entries[1]; e.ID != "https://s.example.com/i/1" || e.Updated != "2026-03-04T04:06:07Z" {
		t.Errorf("entry 1 = %+v", e)
	}

	var r xRSS
	if err := xml.Unmarshal(render(t, rssFn, f), &r); err != nil {
		t.Fatal(err)
	}
	if r.Channel.Items[0].PubDate != "Wed, 04 Mar 2026 05:06:07 +0000" ||
		r.Channel.Items[1].GUID.Value != "https://s.example.com/i/1" ||
		r.Channel.Description != "T" || len(r.Channel.Links) != 1 {
		t.Errorf("rss fallbacks = %+v", r.Channel)
	}
}

func TestEmptyFeed(t *testing.T) {
	f := Feed{Title: "Empty", Link: "https://s.example.com/", SelfURL: "https://s.example.com/feed"}
	var x xAtom
	if err := xml.Unmarshal(render(t, atomFn, f), &x); err != nil {
		t.Fatal(err)
	}
	if x.ID != f.SelfURL || x.Updated == "" || len(x.Entries) != 0 {
		t.Errorf("empty atom = %+v", x)
	}
	var r xRSS
	if err := xml.Unmarshal(render(t, rssFn, f), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Channel.Items) != 0 {
		t.Errorf("empty rss = %+v", r)
	}
}

func TestErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := Atom(&buf, Feed{Title: "x"}); !errors.Is(err, ErrNoID) {
		t.Errorf("Atom without id: %v", err)
	}
	bad := Feed{ID: "f", Items: []Item{{Title: "no id"}}}
	if err := Atom(&buf, bad); err == nil {
		t.Error("Atom accepted item without ID or Link")
	}
	if err := RSS(&buf, bad); err == nil {
		t.Error("RSS accepted item without ID or Link")
	}
	werr := errors.New("boom")
	for name, fn := range map[string]func() error{
		"rss":  func() error { return RSS(failWriter{werr}, trickyFeed()) },
		"atom": func() error { return Atom(failWriter{werr}, trickyFeed()) },
	} {
		if err := fn(); !errors.Is(err, werr) {
			t.Errorf("%s: write error not returned: %v", name, err)
		}
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }
