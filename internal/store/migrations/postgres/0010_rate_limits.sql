-- rate_limits keeps the token buckets of the public subscription form
-- (per normalised email address), so a restart does not reset them.
CREATE TABLE rate_limits (
	key    text PRIMARY KEY,
	tokens double precision NOT NULL,
	at     bigint NOT NULL
);
