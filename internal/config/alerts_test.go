package config

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/slakeeper/slakeeper/internal/sla"
)

func TestAlertsAndEmail(t *testing.T) {
	env := map[string]string{
		"SMTP_PW": "smtp-secret-pw", "HOOK_URL": "https://hooks.example.com/ops", "HOOK_SECRET": "whsec_c2VjcmV0LXNpZ25pbmcta2V5",
		"SLACK_URL": "https://hooks.slack.example/T000/B000/XXX", "PD_KEY": "pd-routing-key-secret", "BAD_SECRET": "plain-secret-value",
	}
	getenv := func(k string) string { return env[k] }
	c, err := Parse("test.yaml", []byte(`server:
  public_url: https://status.example.com/
email:
  smtp_addr: smtp.example.com:587
  from: "Status <status@example.com>"
  username: status
  password_env: SMTP_PW
alerts:
  - {name: ops-mail, kind: email, to: [ops@example.com, cto@example.com], events: [monitor.down, monitor.up]}
  - {name: ops-hook, kind: webhook, url_env: HOOK_URL, secret_env: HOOK_SECRET}
  - {name: chat, kind: slack, url_env: SLACK_URL, events: [obligation.due]}
  - {name: pager, kind: pagerduty, routing_key_env: PD_KEY, events: [monitor.down, monitor.up]}
`), getenv, noPolicy)
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.PublicURL != "https://status.example.com" {
		t.Errorf("got public URL %q, want it without the trailing slash", c.Server.PublicURL)
	}
	wantEmail := &Email{SMTPAddr: "smtp.example.com:587", From: "Status <status@example.com>", Username: "status", Password: "smtp-secret-pw", TLS: EmailTLSStartTLS}
	if diff := cmp.Diff(wantEmail, c.Email); diff != "" {
		t.Errorf("email (-want +got):\n%s", diff)
	}
	want := []Alert{
		{Name: "ops-mail", Kind: AlertEmail, To: []string{"ops@example.com", "cto@example.com"}, Events: []string{"monitor.down", "monitor.up"}},
		// Without events: every event but the credit ones, for billing.
		{Name: "ops-hook", Kind: AlertWebhook, URL: env["HOOK_URL"], Secret: env["HOOK_SECRET"], Events: EventKinds[:len(EventKinds)-2]},
		{Name: "chat", Kind: AlertSlack, URL: env["SLACK_URL"], Events: []string{"obligation.due"}},
		{Name: "pager", Kind: AlertPagerDuty, RoutingKey: env["PD_KEY"], Events: []string{"monitor.down", "monitor.up"}},
	}
	if diff := cmp.Diff(want, c.Alerts); diff != "" {
		t.Errorf("alerts (-want +got):\n%s", diff)
	}
	if !c.Alerts[1].Wants("obligation.overdue") || c.Alerts[2].Wants("monitor.down") {
		t.Error("Wants: got the wrong answer for the default or a listed set of events")
	}

	const mail = "email: {smtp_addr: \"smtp.example.com:25\", from: a@example.com, tls: none}\n"
	for _, tt := range []struct{ name, yaml, want string }{
		{"bad public url", "server: {public_url: status.example.com}\n", "server.public_url: want the status page's address"},
		{"smtp addr", "email: {smtp_addr: smtp.example.com, from: a@example.com}\n", "email.smtp_addr: want host:port"},
		{"from", "email: {smtp_addr: \"smtp.example.com:25\", from: \"not an address\"}\n", "email.from: want an address"},
		{"tls", "email: {smtp_addr: \"smtp.example.com:25\", from: a@example.com, tls: ssl}\n", "email.tls: want none, starttls or tls"},
		{"password without user", "email: {smtp_addr: \"smtp.example.com:25\", from: a@example.com, password_env: SMTP_PW}\n", "email.username: password_env is set"},
		{"user without password", "email: {smtp_addr: \"smtp.example.com:25\", from: a@example.com, username: u}\n", "email.password_env: username is set"},
		{"password unset", "email: {smtp_addr: \"smtp.example.com:25\", from: a@example.com, username: u, password_env: NOPE}\n", "email.password_env: environment variable NOPE is empty or unset"},
		{"email alert without email", "alerts:\n  - {name: m, kind: email, to: [a@example.com]}\n", "alerts[0].kind: an email channel needs the email: section"},
		{"bad address", mail + "alerts:\n  - {name: m, kind: email, to: [nobody]}\n", `alerts[0].to[0]: want an email address, got "nobody"`},
		{"no addresses", mail + "alerts:\n  - {name: m, kind: email}\n", "alerts[0].to: list at least one address"},
		{"unknown kind", "alerts:\n  - {name: m, kind: sms}\n", `alerts[0].kind: want email, webhook, slack or pagerduty, got "sms"`},
		{"bad name", "alerts:\n  - {name: \"a b\", kind: slack, url_env: SLACK_URL}\n", "alerts[0].name: want a name"},
		{"twice", "alerts:\n  - {name: a, kind: slack, url_env: SLACK_URL}\n  - {name: a, kind: slack, url_env: SLACK_URL}\n", `alerts[1].name: alert channel "a" is defined twice`},
		{"unknown event", "alerts:\n  - {name: a, kind: slack, url_env: SLACK_URL, events: [monitor.sideways]}\n", `alerts[0].events[0]: unknown event "monitor.sideways"`},
		{"field of another kind", "alerts:\n  - {name: a, kind: slack, url_env: SLACK_URL, routing_key_env: PD_KEY}\n", "alerts[0].routing_key_env: not used by a slack channel"},
		{"url and url_env", "alerts:\n  - {name: a, kind: slack, url: \"https://x.example\", url_env: SLACK_URL}\n", "alerts[0]: give url or url_env, not both"},
		{"slack without url", "alerts:\n  - {name: a, kind: slack}\n", "alerts[0].url_env: give url_env"},
		{"webhook url unset", "alerts:\n  - {name: a, kind: webhook, url_env: NOPE, secret_env: HOOK_SECRET}\n", "alerts[0].url_env: environment variable NOPE is empty or unset"},
		{"webhook without secret", "alerts:\n  - {name: a, kind: webhook, url: \"https://x.example\"}\n", "alerts[0].secret_env: name the environment variable"},
		{"webhook secret not whsec, not printed", "alerts:\n  - {name: a, kind: webhook, url: \"https://x.example\", secret_env: BAD_SECRET}\n", "alerts[0].secret_env: environment variable BAD_SECRET must hold a secret of the form whsec_"},
		{"bad url not printed", "alerts:\n  - {name: a, kind: webhook, url_env: BAD_SECRET, secret_env: HOOK_SECRET}\n", "alerts[0].url: want an http:// or https:// URL"},
		// Without public_url, mail links would be built on the Host header
		// of whoever asked for the mail: a confirmation link to their host.
		{"email without public url", "email: {smtp_addr: \"smtp.example.com:25\", from: a@example.com, tls: none}\n", "server.public_url: needed with email:"},
		{"trusted proxy", "server: {trusted_proxies: [\"10.0.0.0/33\"]}\n", "server.trusted_proxies[0]: want an IP address or a CIDR prefix"},
		{"pagerduty without key", "alerts:\n  - {name: a, kind: pagerduty}\n", "alerts[0].routing_key_env: name the environment variable"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.yaml", []byte(tt.yaml), getenv, noPolicy)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if !sla.IsInput(err) {
				t.Errorf("got a %T, want an input error", err)
			}
			for _, v := range env {
				if strings.Contains(err.Error(), v) {
					t.Errorf("a secret's value leaked into the error: %q", err)
				}
			}
		})
	}
	if slices.Contains(EventKinds, "") {
		t.Error("EventKinds has an empty kind")
	}
}

func TestTrustedProxies(t *testing.T) {
	c, err := Parse("test.yaml", []byte("server: {trusted_proxies: [127.0.0.1, \"10.1.2.3/8\", \"fd00::/8\"]}\n"), func(string) string { return "" }, noPolicy)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.Server.TrustedProxies {
		got = append(got, p.String())
	}
	if want := []string{"127.0.0.1/32", "10.0.0.0/8", "fd00::/8"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
