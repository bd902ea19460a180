// Package feed renders the public incident history as RSS 2.0 and Atom 1.0
// (RFC 4287) documents.
//
// Only the standard library is used. All text is sanitised before encoding:
// invalid UTF-8 is replaced with U+FFFD, characters that XML 1.0 forbids
// (most C0 controls, U+FFFE, U+FFFF) are dropped, and CR / CRLF line endings
// are normalised to LF. Items are written in the order given, which callers
// are expected to supply newest first.
package feed

import (
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"strings"
	"time"
)

// Feed is a channel of incident items.
type Feed struct {
	Title       string
	Link        string // status page URL (HTML alternate)
	SelfURL     string // the feed's own URL
	Description string
	ID          string // stable feed identifier (Atom feed id)
	Updated     time.Time
	Items       []Item
}

// Item is one incident entry.
type Item struct {
	ID         string // stable, e.g. tag:status.example.com,2026:incident/42
	Title      string
	Link       string
	Published  time.Time
	Updated    time.Time
	Text       string // plain text, may contain newlines
	Categories []string
}

const atomNS = "http://www.w3.org/2005/Atom"

// clean makes s safe for XML 1.0 character data: it replaces invalid UTF-8
// with U+FFFD, normalises line endings to LF and drops every character outside
// the XML 1.0 Char production.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' ||
			(r >= 0x20 && r <= 0xD7FF) ||
			(r >= 0xE000 && r <= 0xFFFD) ||
			(r >= 0x10000 && r <= 0x10FFFF) {
			return r
		}
		return -1
	}, s)
}

// itemTimes returns the published and updated times of it, each falling back
// to the other when zero, both in UTC.
func itemTimes(it Item) (pub, upd time.Time) {
	pub, upd = it.Published, it.Updated
	if pub.IsZero() {
		pub = upd
	}
	if upd.IsZero() {
		upd = pub
	}
	return pub.UTC(), upd.UTC()
}

// feedUpdated returns f.Updated, or the newest item time when it is zero.
func feedUpdated(f Feed) time.Time {
	u := f.Updated
	if u.IsZero() {
		for _, it := range f.Items {
			if _, iu := itemTimes(it); iu.After(u) {
				u = iu
			}
		}
	}
	return u.UTC()
}

func itemID(it Item) string {
	if it.ID != "" {
		return it.ID
	}
	return it.Link
}

func writeDoc(w io.Writer, v any) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// ---------------------------------------------------------------- RSS 2.0

type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	AtomNS  string     `xml:"xmlns:atom,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	AtomLink      *atomLink `xml:"atom:link"`
	LastBuildDate string    `xml:"lastBuildDate,omitempty"`
	Items         []rssItem `xml:"item"`
}

type rssItem struct {
	Title       string   `xml:"title"`
	Link        string   `xml:"link,omitempty"`
	GUID        rssGUID  `xml:"guid"`
	PubDate     string   `xml:"pubDate,omitempty"`
	AtomUpdated string   `xml:"atom:updated,omitempty"`
	Description string   `xml:"description"`
	Categories  []string `xml:"category"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

func rssDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC1123Z)
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// RSS writes f as an RSS 2.0 document. The channel carries an atom:link
// rel="self"; each item has a guid with isPermaLink="false", an RFC 1123Z
// pubDate, an atom:updated element and a description holding the item text
// HTML-escaped (RSS descriptions are HTML), so markup-like text is shown
// literally by readers.
func RSS(w io.Writer, f Feed) error {
	ch := rssChannel{
		Title:         clean(f.Title),
		Link:          clean(f.Link),
		Description:   clean(f.Description),
		LastBuildDate: rssDate(feedUpdated(f)),
	}
	if ch.Description == "" {
		ch.Description = ch.Title
	}
	if f.SelfURL != "" {
		ch.AtomLink = &atomLink{Href: clean(f.SelfURL), Rel: "self", Type: "application/rss+xml"}
	}
	for i, it := range f.Items {
		id := clean(itemID(it))
		if id == "" {
			return fmt.Errorf("feed: item %d has neither ID nor Link", i)
		}
		pub, upd := itemTimes(it)
		ri := rssItem{
			Title:       clean(it.Title),
			Link:        clean(it.Link),
			GUID:        rssGUID{IsPermaLink: "false", Value: id},
			PubDate:     rssDate(pub),
			AtomUpdated: rfc3339(upd),
			Description: html.EscapeString(clean(it.Text)),
		}
		for _, c := range it.Categories {
			if c = clean(c); c != "" {
				ri.Categories = append(ri.Categories, c)
			}
		}
		ch.Items = append(ch.Items, ri)
	}
	return writeDoc(w, rssDoc{Version: "2.0", AtomNS: atomNS, Channel: ch})
}

// ---------------------------------------------------------------- Atom 1.0

type atomFeed struct {
	XMLName  xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID       string      `xml:"id"`
	Title    atomText    `xml:"title"`
	Subtitle *atomText   `xml:"subtitle"`
	Updated  string      `xml:"updated"`
	Links    []atomLink  `xml:"link"`
	Author   atomAuthor  `xml:"author"`
	Entries  []atomEntry `xml:"entry"`
}

type atomText struct {
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      atomText       `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published,omitempty"`
	Links      []atomLink     `xml:"link"`
	Content    atomText       `xml:"content"`
	Categories []atomCategory `xml:"category"`
}

// ErrNoID is returned by Atom when the feed has no usable identifier.
var ErrNoID = errors.New("feed: Atom feed needs an ID, SelfURL or Link")

// Atom writes f as an Atom 1.0 (RFC 4287) document. The feed id falls back
// to SelfURL, then Link; a feed-level author named after the feed title is
// emitted because RFC 4287 requires one when entries carry none. Entry text
// is written as content type="text".
func Atom(w io.Writer, f Feed) error {
	id := clean(f.ID)
	if id == "" {
		id = clean(f.SelfURL)
	}
	if id == "" {
		id = clean(f.Link)
	}
	if id == "" {
		return ErrNoID
	}
	upd := feedUpdated(f)
	if upd.IsZero() {
		upd = time.Unix(0, 0).UTC()
	}
	af := atomFeed{
		ID:      id,
		Title:   atomText{Type: "text", Value: clean(f.Title)},
		Updated: rfc3339(upd),
		Author:  atomAuthor{Name: clean(f.Title)},
	}
	if af.Author.Name == "" {
		af.Author.Name = id
	}
	if d := clean(f.Description); d != "" {
		af.Subtitle = &atomText{Type: "text", Value: d}
	}
	if f.SelfURL != "" {
		af.Links = append(af.Links, atomLink{Href: clean(f.SelfURL), Rel: "self", Type: "application/atom+xml"})
	}
	if f.Link != "" {
		af.Links = append(af.Links, atomLink{Href: clean(f.Link), Rel: "alternate", Type: "text/html"})
	}
	for i, it := range f.Items {
		eid := clean(itemID(it))
		if eid == "" {
			return fmt.Errorf("feed: item %d has neither ID nor Link", i)
		}
		pub, eu := itemTimes(it)
		if eu.IsZero() {
			eu = upd
		}
		e := atomEntry{
			ID:        eid,
			Title:     atomText{Type: "text", Value: clean(it.Title)},
			Updated:   rfc3339(eu),
			Published: rfc3339(pub),
			Content:   atomText{Type: "text", Value: clean(it.Text)},
		}
		if it.Link != "" {
			e.Links = []atomLink{{Href: clean(it.Link), Rel: "alternate", Type: "text/html"}}
		}
		for _, c := range it.Categories {
			if c = clean(c); c != "" {
				e.Categories = append(e.Categories, atomCategory{Term: c})
			}
		}
		af.Entries = append(af.Entries, e)
	}
	return writeDoc(w, af)
}
