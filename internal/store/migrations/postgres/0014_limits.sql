-- limits counts failed attempts per key (a user name with a client address,
-- or an address) within a window: n failures since since_ms, the latest at
-- last_ms (unix milliseconds). Every replica sharing the database counts in
-- it, so N replicas allow what one does. Rows whose window has passed are
-- deleted as new attempts come.
CREATE TABLE limits (
	key      text PRIMARY KEY,
	n        integer NOT NULL,
	since_ms bigint NOT NULL,
	last_ms  bigint NOT NULL
);
CREATE INDEX limits_since ON limits (since_ms);
