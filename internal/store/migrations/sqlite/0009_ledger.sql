-- closes are the immutable snapshots of a closed plan period, one per
-- subscription, written once: the report's figures as JSON and the trail
-- (the intervals behind them), kept once per distinct trail.
CREATE TABLE closes (
	policy       TEXT NOT NULL,
	subscription TEXT NOT NULL,
	period       TEXT NOT NULL,
	customer     TEXT NOT NULL,
	version      TEXT NOT NULL,
	closed_at    INTEGER NOT NULL,
	report       TEXT NOT NULL,
	trail        TEXT NOT NULL,
	PRIMARY KEY (policy, subscription, period)
);
CREATE INDEX closes_period ON closes (period);
CREATE TABLE close_trails (
	hash      TEXT PRIMARY KEY,
	intervals TEXT NOT NULL
);
-- ledger is append-only: credits, approved claims, adjustments and
-- reversals; an entry is never updated or deleted.
CREATE TABLE ledger (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT,
	id           TEXT NOT NULL UNIQUE,
	kind         TEXT NOT NULL,
	customer     TEXT NOT NULL,
	subscription TEXT NOT NULL,
	policy       TEXT NOT NULL,
	period       TEXT NOT NULL,
	currency     TEXT NOT NULL,
	amount       TEXT NOT NULL,
	at           INTEGER NOT NULL,
	actor        TEXT NOT NULL,
	reason       TEXT NOT NULL,
	ref          TEXT NOT NULL
);
CREATE INDEX ledger_period ON ledger (period);
CREATE INDEX ledger_subscription ON ledger (subscription, period);
-- invoice_refs notes, once, the invoice an entry was billed on.
CREATE TABLE invoice_refs (
	entry TEXT PRIMARY KEY,
	ref   TEXT NOT NULL,
	at    INTEGER NOT NULL,
	actor TEXT NOT NULL
);
-- credit_requests are what finance decides: claims and proposed
-- adjustments; credit_request_log is each step, with who and why.
CREATE TABLE credit_requests (
	id           TEXT PRIMARY KEY,
	kind         TEXT NOT NULL,
	customer     TEXT NOT NULL,
	subscription TEXT NOT NULL,
	policy       TEXT NOT NULL,
	period       TEXT NOT NULL,
	currency     TEXT NOT NULL,
	amount       TEXT NOT NULL,
	deadline     INTEGER NOT NULL,
	late         INTEGER NOT NULL,
	note         TEXT NOT NULL,
	state        TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	created_by   TEXT NOT NULL
);
CREATE INDEX credit_requests_state ON credit_requests (state);
CREATE INDEX credit_requests_subscription ON credit_requests (subscription, period);
CREATE TABLE credit_request_log (
	request TEXT NOT NULL,
	at      INTEGER NOT NULL,
	actor   TEXT NOT NULL,
	action  TEXT NOT NULL,
	reason  TEXT NOT NULL
);
CREATE INDEX credit_request_log_request ON credit_request_log (request);
