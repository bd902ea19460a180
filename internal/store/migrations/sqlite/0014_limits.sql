-- limits counts failed attempts per key (a user name with a client address,
-- or an address) within a window: n failures since since_ms, the latest at
-- last_ms (unix milliseconds). Rows whose window has passed are deleted as
-- new attempts come.
CREATE TABLE limits (
	key      TEXT PRIMARY KEY,
	n        INTEGER NOT NULL,
	since_ms INTEGER NOT NULL,
	last_ms  INTEGER NOT NULL
);
CREATE INDEX limits_since ON limits (since_ms);
