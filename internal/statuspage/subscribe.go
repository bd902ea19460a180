package statuspage

import (
	"fmt"
	"html/template"
	"io"
)

// The subscription pages share the status page's layout and style. They
// are parsed here, apart from New, so that the subscription code keeps to
// its own file, with New's functions (funcs) for the layout's sake.

// SubscribeForm is the subscription form: an email address and the
// components to hear about.
type SubscribeForm struct {
	Site  *Site
	Email string
	// Components are the choices, Checked for those selected.
	Components []SubscribeChoice
	// Errors are shown above the form; Field names the input in error.
	Errors []string
	Field  string
	// NoEmail is a status page that sends no email (no SMTP server): the
	// page offers the feeds instead of the form.
	NoEmail bool
}

// SubscribeChoice is one component's checkbox.
type SubscribeChoice struct {
	ID, Name, Group string
	Checked         bool
}

// SubscribeDone is the page shown after a subscription step.
type SubscribeDone struct {
	Site *Site
	// Heading and Paragraphs say what happened and what comes next.
	Heading    string
	Paragraphs []string
	// Action, when set, is where the page's one button (Button) posts.
	Action, Button string
}

// Subscriber renders the subscription pages.
type Subscriber struct {
	form, done *template.Template
}

// NewSubscriber parses the embedded subscription templates.
func NewSubscriber() (*Subscriber, error) {
	funcs := funcs()
	parse := func(name string) (*template.Template, error) {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name)
		if err != nil {
			return nil, fmt.Errorf("status page template %s: %w", name, err)
		}
		return t, nil
	}
	form, err := parse("subscribe.html")
	if err != nil {
		return nil, err
	}
	done, err := parse("subscribe_done.html")
	if err != nil {
		return nil, err
	}
	return &Subscriber{form: form, done: done}, nil
}

// Form renders the subscription form. Nothing is written when rendering
// fails.
func (r *Subscriber) Form(w io.Writer, v SubscribeForm) error { return execute(w, r.form, v) }

// Done renders the page that ends a subscription step. Nothing is written
// when rendering fails.
func (r *Subscriber) Done(w io.Writer, v SubscribeDone) error { return execute(w, r.done, v) }
