package incidents

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/store"
)

// PostmortemInput is an incident's post-mortem: hosted on the status page
// (summary: plain text, paragraphs separated by blank lines), published
// elsewhere (url), or both. At least one of summary and url is required.
type PostmortemInput struct {
	Title   string `json:"title"`
	Summary string `json:"summary"`
	URL     string `json:"url"`
}

type postmortemFact struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	Incident string `json:"incident"`
	At       string `json:"at"`
	URL      string `json:"url,omitempty"`
	Title    string `json:"title,omitempty"`
	Summary  string `json:"summary,omitempty"`
}

// PublishPostmortem records the publication of incidentID's post-mortem
// now, on behalf of by, and returns the fact's id. The post-mortem
// obligation of the plans (seed 001) is met by the first one. Input errors
// are *sla.InputError naming the field; an unknown incident is
// *sla.NotFoundError.
func (s *Service) PublishPostmortem(ctx context.Context, by, incidentID string, in PostmortemInput) (string, error) {
	in.Title, in.Summary, in.URL = strings.TrimSpace(in.Title), strings.TrimSpace(in.Summary), strings.TrimSpace(in.URL)
	if in.Summary == "" && in.URL == "" {
		return "", &sla.InputError{Field: "summary", Msg: "give the post-mortem's summary, or its url when it is published elsewhere"}
	}
	if in.URL != "" {
		u, err := url.Parse(in.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return "", &sla.InputError{Field: "url", Msg: fmt.Sprintf("want an http or https URL, got %q", in.URL)}
		}
	}
	inc, err := s.Find(ctx, incidentID)
	if err != nil {
		return "", err
	}
	if inc == nil {
		return "", &sla.NotFoundError{Msg: fmt.Sprintf("no incident %q", incidentID)}
	}
	now := s.now().UTC().Truncate(time.Second)
	id := newID(incidentID + ":pm-")
	f, err := fact("postmortem", id, now, postmortemFact{Type: "postmortem", ID: id, Incident: incidentID, At: rfc3339(now),
		URL: in.URL, Title: in.Title, Summary: in.Summary})
	if err != nil {
		return "", err
	}
	if err := s.store.AppendFacts(ctx, []store.Fact{f}); err != nil {
		return "", err
	}
	s.log.Info("postmortem published", "incident", incidentID, "by", by, "id", id)
	return id, nil
}
