-- Notifications, subscribers, sign-in sessions and secrets (issue 4).
-- Times are unix milliseconds (UTC), durations microseconds.

-- outbound is the durable outbox: one row per notification and recipient,
-- pending until delivered or given up (failed). next_at is NULL once no
-- attempt is due.
CREATE TABLE outbound (
	id         TEXT PRIMARY KEY,
	channel    TEXT NOT NULL,
	recipient  TEXT NOT NULL,
	event      TEXT NOT NULL,
	payload    BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	next_at    INTEGER,
	updated_at INTEGER NOT NULL,
	attempts   INTEGER NOT NULL,
	state      TEXT NOT NULL,
	last_error TEXT NOT NULL
);
-- The sender's queue, and a subscriber's pending ones (unsubscribe).
CREATE INDEX outbound_due ON outbound (next_at, id) WHERE state = 'pending';
CREATE INDEX outbound_pending_recipient ON outbound (recipient) WHERE state = 'pending';
-- What pruning deletes.
CREATE INDEX outbound_done ON outbound (updated_at, id) WHERE state <> 'pending';

-- deliveries is the delivery log, one row per attempt; n keeps the order.
CREATE TABLE deliveries (
	n         INTEGER PRIMARY KEY,
	outbound  TEXT NOT NULL,
	recipient TEXT NOT NULL,
	channel   TEXT NOT NULL,
	event     TEXT NOT NULL,
	at        INTEGER NOT NULL,
	ok        INTEGER NOT NULL,
	code      INTEGER NOT NULL,
	error     TEXT NOT NULL,
	duration  INTEGER NOT NULL
);
CREATE INDEX deliveries_recipient ON deliveries (recipient, at, n);
CREATE INDEX deliveries_at ON deliveries (at, n);
CREATE INDEX deliveries_outbound ON deliveries (outbound);

-- subscribers: address_key is the address as looked up (lower case for
-- email); components a JSON array of component ids, empty for all.
CREATE TABLE subscribers (
	id           TEXT PRIMARY KEY,
	kind         TEXT NOT NULL,
	address      TEXT NOT NULL,
	address_key  TEXT NOT NULL,
	components   TEXT NOT NULL,
	secret       TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	confirmed_at INTEGER
);
CREATE INDEX subscribers_address ON subscribers (kind, address_key);
CREATE INDEX subscribers_created ON subscribers (created_at, id);

-- sessions of signed-in operators, by the hash of the cookie's value.
CREATE TABLE sessions (
	hash       TEXT PRIMARY KEY,
	username   TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	seen_at    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_expires ON sessions (expires_at);

-- secrets are random keys created on first use (e.g. to sign links).
CREATE TABLE secrets (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
) WITHOUT ROWID;

-- Facts looked up by type (incidents, maintenance) over a long range.
CREATE INDEX facts_type_at ON facts (type, at);
