-- hours holds the per-minute aggregates of older hours rolled up, one row
-- per series and hour (hour = at / 3600000): the counts and latency sum
-- of the hour's minutes added, the largest latency, and the first minute
-- of the hour that had a result (0–59), so that the first check is still
-- known to the minute. The retention job (RollUp) moves minutes older
-- than the fine window here; readers take minutes and hours together.
-- Widest columns first: no alignment padding.
CREATE TABLE hours (
	latency_sum  bigint   NOT NULL,
	series       integer  NOT NULL,
	hour         integer  NOT NULL,
	up           integer  NOT NULL,
	degraded     integer  NOT NULL,
	down         integer  NOT NULL,
	latency_max  integer  NOT NULL,
	first_minute smallint NOT NULL,
	PRIMARY KEY (series, hour)
);
