package sla

import (
	"errors"
	"fmt"
	"strings"
)

// InputError is a problem with what a user wrote: a policy, a fact file, a
// configuration or an API body. It names the file, the line and the field so
// that the user can find it.
type InputError struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *InputError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// InputErrors is a list of input errors found in one pass, so that a user
// sees them all at once.
type InputErrors []*InputError

func (l InputErrors) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// IsInput reports whether err is caused by bad user input (and so should be
// shown whole and exit with the usage/input code rather than as internal).
func IsInput(err error) bool {
	var one *InputError
	var many InputErrors
	return errors.As(err, &one) || errors.As(err, &many)
}

// FirstInput returns the field and message of err's first input error
// (the whole message when it holds none), with the context err wraps it
// in kept before the message.
func FirstInput(err error) (field, msg string) {
	var one *InputError
	var many InputErrors
	switch {
	case errors.As(err, &many) && len(many) > 0:
		one = many[0]
	case errors.As(err, &one):
	default:
		return "", err.Error()
	}
	msg = one.Msg
	// The wrapping's context ("version \"2\": ") before the error's own text.
	if full, own := err.Error(), one.Error(); len(full) > len(own) && strings.HasSuffix(full, own) {
		msg = strings.TrimSuffix(full, own) + msg
	} else if i := strings.Index(full, own); i > 0 {
		msg = full[:i] + msg
	}
	return one.Field, msg
}

// NotFoundError is a request about something that does not exist: an
// incident, a maintenance window, a subscriber. The API answers 404 and
// the operator pages "Not found".
type NotFoundError struct{ Msg string }

func (e *NotFoundError) Error() string { return e.Msg }

// ConflictError is a request that the current state refuses: a window
// already cancelled or over, an address already subscribed. The API
// answers 409, naming Field when the conflict is one input's.
type ConflictError struct {
	Field string
	Msg   string
}

func (e *ConflictError) Error() string { return e.Msg }
