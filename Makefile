# slakeeper — the commands the README and CI use.
GO ?= go
STATICCHECK_VERSION ?= v0.8.2

.PHONY: test check fmt vet staticcheck fuzz run build

# The test command the README gives; .ci/run calls it. go test ./..., then
# the tests skipped for a component this machine lacks (PostgreSQL,
# Chromium, the SMTP sink, the feed parser), so that a green run on a bare
# machine is not taken for a full one.
test:
	$(GO) run ./internal/tools/testrun ./...

# Static checks CI runs before the tests.
check: fmt vet staticcheck

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	@command -v staticcheck >/dev/null 2>&1 || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	"$$(command -v staticcheck || echo $$($(GO) env GOPATH)/bin/staticcheck)" ./...

# Short fuzzing of every parser (go test -fuzz runs one target at a time).
# A new input is minimized in at most 1000 runs: Go's default, 60 s, spent
# on the large seeds (the examples, up to 8 KB), shows as minutes at
# 0 execs/s (docs/benchmarks.md, "Fuzzing").
FUZZTIME ?= 20s
FUZZFLAGS = -run '^$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 1000x
fuzz:
	$(GO) test ./internal/policy $(FUZZFLAGS) -fuzz '^FuzzParse$$'
	$(GO) test ./internal/facts $(FUZZFLAGS) -fuzz '^FuzzParse$$'
	$(GO) test ./internal/facts $(FUZZFLAGS) -fuzz '^FuzzFastPathAgrees$$'
	$(GO) test ./internal/timeline $(FUZZFLAGS) -fuzz '^FuzzCalendarAdd$$'
	$(GO) test ./internal/helpdesk $(FUZZFLAGS) -fuzz '^FuzzParse$$'
	$(GO) test ./internal/statuspage $(FUZZFLAGS) -fuzz '^FuzzRecurrence$$'

# The binary knows its commit (stamped by Go) and its build date.
build:
	$(GO) build -buildvcs=auto -ldflags "-X main.buildDate=$$(date -u +%FT%TZ)" -o bin/slakeeper ./cmd/slakeeper
