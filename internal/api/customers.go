package api

import (
	"net/http"

	"github.com/slakeeper/slakeeper/internal/auth"
	"github.com/slakeeper/slakeeper/internal/customers"
	"github.com/slakeeper/slakeeper/internal/intake"
	"github.com/slakeeper/slakeeper/internal/sla"
	"github.com/slakeeper/slakeeper/internal/web"
)

// handleCustomers lists every customer, configured or created, with its
// standing, its history and its subscriptions.
func (h *handler) handleCustomers() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list, err := h.customers.List(r.Context())
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		if list == nil {
			list = []*customers.Customer{}
		}
		web.JSON(w, http.StatusOK, map[string]any{"customers": list})
	})
}

// handleCustomer is one customer.
func (h *handler) handleCustomer() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := h.customers.Get(r.Context(), r.PathValue("id"))
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, c)
	})
}

// answer writes the outcome of a change: the refusal, the server's
// failure, or 201 with the customer as it is now.
func (h *handler) answer(w http.ResponseWriter, r *http.Request, customer string, ref *intake.Refusal, err error) {
	switch {
	case err != nil:
		web.Fail(h.log, w, r, err)
	case ref != nil:
		web.JSON(w, ref.Status(), ref)
	default:
		c, err := h.customers.Get(r.Context(), customer)
		if err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		web.JSON(w, http.StatusCreated, c)
	}
}

// customerChange decodes a body of type T and answers with the customer
// do changed (answer).
func customerChange[T any](h *handler, do func(r *http.Request, in T) (customer string, ref *intake.Refusal, err error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in T
		if err := web.Decode(r, &in); err != nil {
			web.Fail(h.log, w, r, err)
			return
		}
		customer, ref, err := do(r, in)
		h.answer(w, r, customer, ref, err)
	})
}

// handleCreateCustomer creates a customer: {id, name, standing?,
// contacts?}.
func (h *handler) handleCreateCustomer() http.Handler {
	return customerChange(h, func(r *http.Request, in customers.NewCustomer) (string, *intake.Refusal, error) {
		ref, err := h.customers.CreateCustomer(r.Context(), auth.Who(r), in)
		return in.ID, ref, err
	})
}

// handleStanding records a customer's standing from a time:
// {standing, from?}.
func (h *handler) handleStanding() http.Handler {
	return customerChange(h, func(r *http.Request, in customers.StandingInput) (string, *intake.Refusal, error) {
		ref, err := h.customers.SetStanding(r.Context(), auth.Who(r), r.PathValue("id"), in)
		return r.PathValue("id"), ref, err
	})
}

// handleCreateSubscription creates a subscription: {id, customer,
// policy?, plan, fee, currency?, start, end?, trial?}.
func (h *handler) handleCreateSubscription() http.Handler {
	return customerChange(h, func(r *http.Request, in customers.NewSubscription) (string, *intake.Refusal, error) {
		ref, err := h.customers.CreateSubscription(r.Context(), auth.Who(r), in)
		return in.Customer, ref, err
	})
}

// handleChangeSubscription changes a subscription from a time: {from,
// plan?, fee?, currency?}.
func (h *handler) handleChangeSubscription() http.Handler {
	return customerChange(h, func(r *http.Request, in customers.Change) (string, *intake.Refusal, error) {
		return h.customers.ChangeSubscription(r.Context(), auth.Who(r), r.PathValue("id"), in)
	})
}

// MaxImportBody bounds a CSV customer list: 1 MiB, some 10,000 rows.
const MaxImportBody = 1 << 20

// handleImportCustomers creates the customers and subscriptions of a CSV
// list, all or nothing.
func (h *handler) handleImportCustomers() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, ref, err := h.customers.Import(r.Context(), auth.Who(r), http.MaxBytesReader(w, r.Body, MaxImportBody))
		switch {
		case err != nil:
			web.Fail(h.log, w, r, err)
		case ref != nil:
			web.JSON(w, ref.Status(), ref)
		default:
			web.JSON(w, http.StatusCreated, res)
		}
	})
}

// handleContacts replaces a customer's contacts: {contacts: [{name,
// email, role}]}.
func (h *handler) handleContacts() http.Handler {
	type body struct {
		Contacts []sla.Contact `json:"contacts"`
	}
	return customerChange(h, func(r *http.Request, in body) (string, *intake.Refusal, error) {
		ref, err := h.customers.SetContacts(r.Context(), auth.Who(r), r.PathValue("id"), in.Contacts)
		return r.PathValue("id"), ref, err
	})
}
