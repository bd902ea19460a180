package admin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/customers"
	"github.com/slakeeper/slakeeper/internal/intake"
	"github.com/slakeeper/slakeeper/internal/operatorui"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/web"
)

// customersPage is the customers page with form.
func (h *handler) customersPage(r *http.Request, form operatorui.Form) (operatorui.Customers, error) {
	p := operatorui.Customers{Page: h.opPage(r, "Customers")}
	p.Form = form
	list, err := h.customers.List(r.Context())
	if err != nil {
		return p, err
	}
	for _, c := range list {
		v := operatorui.CustomerView{ID: c.ID, Name: c.Name, Source: c.Source, Standing: string(c.Standing)}
		for _, ct := range c.Contacts {
			v.Contacts = append(v.Contacts, contactLine(ct))
		}
		for _, hs := range c.History {
			v.History = append(v.History, operatorui.StandingView{From: hs.From, Standing: string(hs.Standing)})
		}
		for _, s := range c.Subscriptions {
			v.Subscriptions = append(v.Subscriptions, operatorui.SubscriptionView{ID: s.ID, Policy: s.Policy, Plan: s.Plan, Fee: s.Fee,
				Currency: s.Currency, Source: s.Source, Start: s.Start, End: s.End, Trial: s.Trial, Set: string(s.Set), SetYAML: setYAML(s.Set)})
		}
		p.List = append(p.List, v)
	}
	for _, pol := range h.cfg().Policies {
		seen := map[string]bool{}
		for _, ver := range pol.Versions {
			for _, pl := range ver.AllPlans() {
				if !seen[pl.ID] && !strings.Contains(pl.ID, "/") {
					seen[pl.ID] = true
					p.Plans = append(p.Plans, pol.ID+"/"+pl.ID)
				}
			}
		}
	}
	return p, nil
}

// handleCustomersPage lists the customers and their subscriptions.
func (h *handler) handleCustomersPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := h.customersPage(r, operatorui.Form{})
		if err != nil {
			h.failPage(w, r, err)
			return
		}
		h.render(w, r, http.StatusOK, "customers", p)
	})
}

// customerForm runs a form's change: on success 303 to the customer,
// on a refusal the page again with the error at its field.
func (h *handler) customerForm(name string, do func(r *http.Request, v url.Values) (customer string, ref *intake.Refusal, err error), done string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := web.ParseForm(w, r)
		if err != nil {
			h.message(w, r, http.StatusBadRequest, "Not done", err.Error(), "/admin/customers")
			return
		}
		customer, ref, err := do(r, v)
		if err != nil {
			h.failPage(w, r, err)
			return
		}
		if ref == nil {
			http.Redirect(w, r, "/admin/customers?done="+done+"#customer-"+url.PathEscape(customer), http.StatusSeeOther)
			return
		}
		form := formOf(name, v, nil)
		field := ref.Field
		if strings.HasPrefix(field, "set.") {
			field = "set" // a key of the custom terms: their text area
		}
		if _, ok := v[field]; !ok {
			field = "" // a refusal of the whole form
		}
		form.Errors[field] = ref.Error
		p, perr := h.customersPage(r, form)
		if perr != nil {
			h.failPage(w, r, perr)
			return
		}
		h.render(w, r, ref.Status(), "customers", p)
	})
}

func (h *handler) handleCreateCustomerForm() http.Handler {
	return h.customerForm("customer", func(r *http.Request, v url.Values) (string, *intake.Refusal, error) {
		id := strings.TrimSpace(v.Get("id"))
		ref, err := h.customers.CreateCustomer(r.Context(), auth.Who(r), customers.NewCustomer{ID: id, Name: strings.TrimSpace(v.Get("name"))})
		return id, ref, err
	}, "customer")
}

func (h *handler) handleStandingForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		h.customerForm("standing-"+id, func(r *http.Request, v url.Values) (string, *intake.Refusal, error) {
			in := customers.StandingInput{Standing: sla.Standing(v.Get("standing"))}
			if f := strings.TrimSpace(v.Get("from")); f != "" {
				in.From = formTime(f)
			}
			ref, err := h.customers.SetStanding(r.Context(), auth.Who(r), id, in)
			return id, ref, err
		}, "standing").ServeHTTP(w, r)
	})
}

func (h *handler) handleCreateSubscriptionForm() http.Handler {
	return h.customerForm("subscription", func(r *http.Request, v url.Values) (string, *intake.Refusal, error) {
		policy, plan, _ := strings.Cut(v.Get("plan"), "/")
		in := customers.NewSubscription{ID: strings.TrimSpace(v.Get("id")), Customer: strings.TrimSpace(v.Get("customer")), Policy: policy, Plan: plan,
			Fee: strings.TrimSpace(v.Get("fee")), Currency: strings.TrimSpace(v.Get("currency")), Start: formTime(v.Get("start")),
			Set: []byte(v.Get("set"))}
		ref, err := h.customers.CreateSubscription(r.Context(), auth.Who(r), in)
		return in.Customer, ref, err
	}, "subscribed")
}

func (h *handler) handleChangeSubscriptionForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		h.customerForm("change-"+id, func(r *http.Request, v url.Values) (string, *intake.Refusal, error) {
			// The text area shows the terms in force: what it holds when
			// sent is the terms from then (empty: none).
			set := []byte(v.Get("set"))
			if strings.TrimSpace(v.Get("set")) == "" {
				set = []byte("{}")
			}
			return h.customers.ChangeSubscription(r.Context(), auth.Who(r), id, customers.Change{From: formTime(v.Get("from")),
				Plan: strings.TrimSpace(v.Get("plan")), Fee: strings.TrimSpace(v.Get("fee")), Set: set})
		}, "changed").ServeHTTP(w, r)
	})
}

func (h *handler) handleImportForm() http.Handler {
	return h.customerForm("import", func(r *http.Request, v url.Values) (string, *intake.Refusal, error) {
		_, ref, err := h.customers.Import(r.Context(), auth.Who(r), strings.NewReader(v.Get("csv")))
		if ref != nil {
			// The error belongs to the text area, with its row.
			ref.Field = "csv"
		}
		return "", ref, err
	}, "imported")
}

// contactLine is a contact as the contacts form writes it:
// "Name <email>, role".
func contactLine(c sla.Contact) string {
	line := (&mail.Address{Name: c.Name, Address: c.Email}).String()
	if c.Role != "" {
		line += ", " + c.Role
	}
	return line
}

// parseContacts reads the contacts form: one contact a line,
// "Name <email>, role" (name and role optional).
func parseContacts(text string) ([]sla.Contact, *intake.Refusal) {
	out := []sla.Contact{}
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		addr, role := line, ""
		if j := strings.LastIndex(line, ">,"); j >= 0 {
			addr, role = line[:j+1], strings.TrimSpace(line[j+2:])
		} else if j := strings.Index(line, ","); j >= 0 && !strings.Contains(line, "<") {
			addr, role = line[:j], strings.TrimSpace(line[j+1:])
		}
		a, err := mail.ParseAddress(strings.TrimSpace(addr))
		if err != nil {
			return nil, &intake.Refusal{Error: fmt.Sprintf("line %d: want Name <email>, role — got %q", i+1, line), Field: "contacts"}
		}
		out = append(out, sla.Contact{Name: a.Name, Email: a.Address, Role: role})
	}
	return out, nil
}

func (h *handler) handleContactsForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		h.customerForm("contacts-"+id, func(r *http.Request, v url.Values) (string, *intake.Refusal, error) {
			cs, ref := parseContacts(v.Get("contacts"))
			if ref != nil {
				return id, ref, nil
			}
			ref, err := h.customers.SetContacts(r.Context(), auth.Who(r), id, cs)
			return id, ref, err
		}, "contacts").ServeHTTP(w, r)
	})
}

// setYAML is custom terms (JSON) as YAML for a text area.
func setYAML(set []byte) string {
	if len(set) == 0 {
		return ""
	}
	var v any
	if json.Unmarshal(set, &v) != nil {
		return string(set)
	}
	out, err := yaml.Marshal(v)
	if err != nil {
		return string(set)
	}
	return string(out)
}
