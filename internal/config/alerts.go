package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"slices"
	"strings"

	"github.com/slakeeper/slakeeper/internal/yamlpos"
)

// EventKinds are the events an alert channel can be given; the credit.*
// events (for billing systems) go only to channels that name them. The outbox's
// event constants (internal/outbox/events.go) must stay equal to this
// list; a test there checks it.
var EventKinds = []string{
	"incident.created", "incident.updated", "incident.resolved",
	"maintenance.scheduled", "maintenance.started", "maintenance.completed", "maintenance.cancelled",
	"monitor.down", "monitor.up",
	"obligation.due", "obligation.overdue",
	"ticket.warning", "ticket.breached",
	"agent.silent", "agent.back",
	"budget.burn", "budget.ok",
	"credit.issued", "credit.adjusted",
}

// Alert kinds.
const (
	AlertEmail     = "email"
	AlertWebhook   = "webhook"
	AlertSlack     = "slack"
	AlertPagerDuty = "pagerduty"
)

// Alert is one operator alert channel. Secrets (URLs of Slack webhooks,
// routing keys, signing secrets) are read from the environment at load.
type Alert struct {
	// Name identifies the channel in the delivery log ("alert:<name>").
	Name string
	// Kind is email, webhook, slack or pagerduty.
	Kind string
	// To are the email addresses of an email channel.
	To []string
	// URL is the webhook or Slack URL, or PagerDuty's Events API endpoint
	// (empty: PagerDuty's own).
	URL string
	// RoutingKey is PagerDuty's integration key.
	RoutingKey string
	// Secret is a webhook's signing secret, whsec_<base64>.
	Secret string
	// Events are the event kinds sent; never empty after loading (all
	// kinds when the file names none).
	Events []string
}

// Wants reports whether the channel is sent events of kind.
func (a Alert) Wants(kind string) bool { return slices.Contains(a.Events, kind) }

// Email TLS modes.
const (
	EmailTLSNone     = "none"
	EmailTLSStartTLS = "starttls"
	EmailTLS         = "tls"
)

// Email is the SMTP server notification mail goes through.
type Email struct {
	// SMTPAddr is host:port.
	SMTPAddr string
	// From is the sender, e.g. "Example status <status@example.com>".
	From string
	// Username enables AUTH PLAIN with Password (read from the
	// environment).
	Username, Password string
	// TLS is none (plain text), starttls (required) or tls (implicit TLS,
	// usually port 465).
	TLS string
}

type rawAlert struct {
	Name          string   `yaml:"name"`
	Kind          string   `yaml:"kind"`
	To            []string `yaml:"to"`
	URL           string   `yaml:"url"`
	URLEnv        string   `yaml:"url_env"`
	RoutingKeyEnv string   `yaml:"routing_key_env"`
	SecretEnv     string   `yaml:"secret_env"`
	Events        []string `yaml:"events"`
}

type rawEmail struct {
	SMTPAddr    string `yaml:"smtp_addr"`
	From        string `yaml:"from"`
	Username    string `yaml:"username"`
	PasswordEnv string `yaml:"password_env"`
	TLS         string `yaml:"tls"`
}

// parsePublicURL checks server.public_url.
func parsePublicURL(errs *yamlpos.Errors, s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		errs.Add("server.public_url", "want the status page's address such as https://status.example.com, got %q", s)
		return ""
	}
	return strings.TrimRight(s, "/")
}

// parseEmail checks the email: section; nil when there is none.
func parseEmail(errs *yamlpos.Errors, r *rawEmail, getenv func(string) string) *Email {
	if r == nil {
		return nil
	}
	e := &Email{SMTPAddr: r.SMTPAddr, From: r.From, Username: r.Username, TLS: r.TLS}
	if host, port, err := net.SplitHostPort(r.SMTPAddr); err != nil || host == "" || port == "" {
		errs.Add("email.smtp_addr", "want host:port such as smtp.example.com:587, got %q", r.SMTPAddr)
	}
	if _, err := mail.ParseAddress(r.From); err != nil {
		errs.Add("email.from", "want an address such as \"Status <status@example.com>\", got %q", r.From)
	}
	switch e.TLS {
	case "":
		e.TLS = EmailTLSStartTLS
	case EmailTLSNone, EmailTLSStartTLS, EmailTLS:
	default:
		errs.Add("email.tls", "want none, starttls or tls, got %q", r.TLS)
	}
	switch {
	case r.Username != "" && r.PasswordEnv == "":
		errs.Add("email.password_env", "username is set: name the environment variable that holds the password")
	case r.Username == "" && r.PasswordEnv != "":
		errs.Add("email.username", "password_env is set but username is not")
	case r.PasswordEnv != "":
		e.Password = getenv(r.PasswordEnv)
		if e.Password == "" {
			// The value itself is never printed: it is a secret.
			errs.Add("email.password_env", "environment variable %s is empty or unset", r.PasswordEnv)
		}
	}
	return e
}

// parseAlerts checks the alerts: section.
func parseAlerts(errs *yamlpos.Errors, raw []rawAlert, email *Email, getenv func(string) string) []Alert {
	var out []Alert
	names := map[string]bool{}
	for i, r := range raw {
		p := fmt.Sprintf("alerts[%d]", i)
		if !idRE.MatchString(r.Name) {
			errs.Add(p+".name", "want a name such as ops-mail, got %q", r.Name)
			continue
		}
		if names[r.Name] {
			errs.Add(p+".name", "alert channel %q is defined twice", r.Name)
			continue
		}
		names[r.Name] = true
		a := Alert{Name: r.Name, Kind: r.Kind}
		// fromEnv reads an environment variable named by field; a secret's
		// value is never put in an error.
		fromEnv := func(field, name string) string {
			v := getenv(name)
			if v == "" {
				errs.Add(p+"."+field, "environment variable %s is empty or unset", name)
			}
			return v
		}
		only := func(allowed ...string) {
			set := map[string]bool{"to": len(r.To) > 0, "url": r.URL != "", "url_env": r.URLEnv != "",
				"routing_key_env": r.RoutingKeyEnv != "", "secret_env": r.SecretEnv != ""}
			for _, k := range []string{"to", "url", "url_env", "routing_key_env", "secret_env"} {
				if set[k] && !slices.Contains(allowed, k) {
					errs.Add(p+"."+k, "not used by a %s channel", r.Kind)
				}
			}
		}
		target := func() string {
			switch {
			case r.URL != "" && r.URLEnv != "":
				errs.Add(p, "give url or url_env, not both")
			case r.URL != "":
				return r.URL
			case r.URLEnv != "":
				return fromEnv("url_env", r.URLEnv)
			}
			return ""
		}
		checkURL := func(u string) {
			if pu, err := url.Parse(u); err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
				// The URL may be secret (Slack's are): it is not printed.
				errs.Add(p+".url", "want an http:// or https:// URL")
			}
		}
		switch r.Kind {
		case AlertEmail:
			only("to")
			if email == nil {
				errs.Add(p+".kind", "an email channel needs the email: section (the SMTP server)")
			}
			if len(r.To) == 0 {
				errs.Add(p+".to", "list at least one address")
			}
			for j, to := range r.To {
				if _, err := mail.ParseAddress(to); err != nil {
					errs.Add(fmt.Sprintf("%s.to[%d]", p, j), "want an email address, got %q", to)
				}
			}
			a.To = r.To
		case AlertWebhook:
			only("url", "url_env", "secret_env")
			a.URL = target()
			if a.URL == "" && r.URL == "" && r.URLEnv == "" {
				errs.Add(p+".url", "give url or url_env")
			} else if a.URL != "" {
				checkURL(a.URL)
			}
			if r.SecretEnv == "" {
				errs.Add(p+".secret_env", "name the environment variable holding the signing secret (whsec_<base64>)")
			} else if a.Secret = fromEnv("secret_env", r.SecretEnv); a.Secret != "" && !strings.HasPrefix(a.Secret, "whsec_") {
				errs.Add(p+".secret_env", "environment variable %s must hold a secret of the form whsec_<base64>", r.SecretEnv)
			}
		case AlertSlack:
			only("url", "url_env")
			a.URL = target()
			if a.URL == "" && r.URL == "" && r.URLEnv == "" {
				errs.Add(p+".url_env", "give url_env (the incoming webhook URL is a secret) or url")
			} else if a.URL != "" {
				checkURL(a.URL)
			}
		case AlertPagerDuty:
			only("url", "url_env", "routing_key_env")
			a.URL = target()
			if a.URL != "" {
				checkURL(a.URL)
			}
			if r.RoutingKeyEnv == "" {
				errs.Add(p+".routing_key_env", "name the environment variable holding the integration key")
			} else {
				a.RoutingKey = fromEnv("routing_key_env", r.RoutingKeyEnv)
			}
		default:
			errs.Add(p+".kind", "want email, webhook, slack or pagerduty, got %q", r.Kind)
			continue
		}
		for j, k := range r.Events {
			if !slices.Contains(EventKinds, k) {
				errs.Add(fmt.Sprintf("%s.events[%d]", p, j), "unknown event %q (want one of %s)", k, strings.Join(EventKinds, ", "))
			}
		}
		a.Events = r.Events
		if len(a.Events) == 0 {
			a.Events = slices.DeleteFunc(slices.Clone(EventKinds), func(k string) bool { return strings.HasPrefix(k, "credit.") })
		}
		out = append(out, a)
	}
	return out
}
