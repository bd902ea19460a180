-- closes are the immutable snapshots of a closed plan period, one per
-- subscription, written once: the report's figures as JSON and the trail
-- (the intervals behind them), kept once per distinct trail.
CREATE TABLE closes (
	policy       text NOT NULL,
	subscription text NOT NULL,
	period       text NOT NULL,
	customer     text NOT NULL,
	version      text NOT NULL,
	closed_at    bigint NOT NULL,
	report       text NOT NULL,
	trail        text NOT NULL,
	PRIMARY KEY (policy, subscription, period)
);
CREATE INDEX closes_period ON closes (period);
CREATE TABLE close_trails (
	hash      text PRIMARY KEY,
	intervals text NOT NULL
);
-- ledger is append-only: credits, approved claims, adjustments and
-- reversals; an entry is never updated or deleted.
CREATE TABLE ledger (
	seq          bigserial PRIMARY KEY,
	id           text NOT NULL UNIQUE,
	kind         text NOT NULL,
	customer     text NOT NULL,
	subscription text NOT NULL,
	policy       text NOT NULL,
	period       text NOT NULL,
	currency     text NOT NULL,
	amount       text NOT NULL,
	at           bigint NOT NULL,
	actor        text NOT NULL,
	reason       text NOT NULL,
	ref          text NOT NULL
);
CREATE INDEX ledger_period ON ledger (period);
CREATE INDEX ledger_subscription ON ledger (subscription, period);
-- invoice_refs notes, once, the invoice an entry was billed on.
CREATE TABLE invoice_refs (
	entry text PRIMARY KEY,
	ref   text NOT NULL,
	at    bigint NOT NULL,
	actor text NOT NULL
);
-- credit_requests are what finance decides: claims and proposed
-- adjustments; credit_request_log is each step, with who and why.
CREATE TABLE credit_requests (
	id           text PRIMARY KEY,
	kind         text NOT NULL,
	customer     text NOT NULL,
	subscription text NOT NULL,
	policy       text NOT NULL,
	period       text NOT NULL,
	currency     text NOT NULL,
	amount       text NOT NULL,
	deadline     bigint NOT NULL,
	late         bigint NOT NULL,
	note         text NOT NULL,
	state        text NOT NULL,
	created_at   bigint NOT NULL,
	created_by   text NOT NULL
);
CREATE INDEX credit_requests_state ON credit_requests (state);
CREATE INDEX credit_requests_subscription ON credit_requests (subscription, period);
CREATE TABLE credit_request_log (
	request text NOT NULL,
	at      bigint NOT NULL,
	actor   text NOT NULL,
	action  text NOT NULL,
	reason  text NOT NULL
);
CREATE INDEX credit_request_log_request ON credit_request_log (request);
