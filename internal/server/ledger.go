package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/slakeeper/slakeeper/internal/config"
	"github.com/slakeeper/slakeeper/internal/customers"
	"github.com/slakeeper/slakeeper/internal/intake"
	"github.com/slakeeper/slakeeper/internal/ledger"
	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/store"
)

// ledgerNotices tells billing systems of the entries the ledger posts
// (credit events through the alert channels that name them) and each
// customer's contacts of their closed monthly report.
type ledgerNotices struct {
	out       *outbox.Service
	cfg       func() *config.Config
	customers *customers.Service
}

func (n ledgerNotices) CreditPosted(ctx context.Context, e store.LedgerEntry) error {
	kind := outbox.EventCreditIssued
	if e.Kind == ledger.KindAdjustment || e.Kind == ledger.KindReversal {
		kind = outbox.EventCreditAdjusted
	}
	return n.out.Publish(ctx, outbox.Event{ID: "credit/" + e.ID, Kind: kind, At: e.At,
		Title:   fmt.Sprintf("%s %s %s for %s, %s", e.Kind, e.Amount, e.Currency, e.Subscription, e.Period),
		Message: e.Reason,
		Credit: &outbox.Credit{Entry: e.ID, Kind: e.Kind, Customer: e.Customer, Subscription: e.Subscription, Policy: e.Policy,
			Period: e.Period, Currency: e.Currency, Amount: e.Amount, Reason: e.Reason, Ref: e.Ref}})
}

func (n ledgerNotices) Closed(ctx context.Context, customer, period string, subs []string) error {
	c, err := n.customers.Get(ctx, customer)
	if err != nil {
		return err
	}
	var to []string
	for _, ct := range c.Contacts {
		if ct.Email != "" {
			to = append(to, ct.Email)
		}
	}
	if len(to) == 0 {
		return nil
	}
	cfg := n.cfg()
	link := strings.TrimRight(cfg.Server.PublicURL, "/") + "/portal/reports?period=" + url.QueryEscape(period)
	title := cfg.StatusPage.Title
	text := fmt.Sprintf("Your SLA report for %s is closed: the uptime delivered and the credits are final.\n\nSubscriptions: %s\n\nSign in to the customer portal to read it, with the evidence behind each figure, and to claim a credit where your plan asks for a claim.",
		period, strings.Join(subs, ", "))
	return n.out.Notice(ctx, "close/"+period+"/"+customer, to, fmt.Sprintf("[%s] Your SLA report for %s", title, period), text, link)
}

// intakeWriter stores the ledger's facts (approved claims) through the
// evidence intake, with its checks.
type intakeWriter struct{ in *intake.Service }

func (w intakeWriter) AddFacts(ctx context.Context, who string, lines []byte) error {
	_, ref, err := w.in.Add(ctx, who, lines, slog.LevelInfo)
	if err != nil {
		return err
	}
	if ref != nil {
		return fmt.Errorf("refused: %s", ref.Error)
	}
	return nil
}
