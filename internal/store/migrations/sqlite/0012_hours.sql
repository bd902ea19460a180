-- hours holds the per-minute aggregates of older hours rolled up, one row
-- per series and hour (hour = at / 3600000): the counts and latency sum
-- of the hour's minutes added, the largest latency, and the first minute
-- of the hour that had a result (0–59), so that the first check is still
-- known to the minute. The retention job (RollUp) moves minutes older
-- than the fine window here; readers take minutes and hours together.
CREATE TABLE hours (
	series       INTEGER NOT NULL,
	hour         INTEGER NOT NULL,
	first_minute INTEGER NOT NULL,
	up           INTEGER NOT NULL,
	degraded     INTEGER NOT NULL,
	down         INTEGER NOT NULL,
	latency_sum  INTEGER NOT NULL,
	latency_max  INTEGER NOT NULL,
	PRIMARY KEY (series, hour)
) WITHOUT ROWID;
