-- The evidence store, SQLite dialect. Times are unix milliseconds (UTC),
-- durations and latencies microseconds.

-- series names one monitor at one location; the big tables refer to it by
-- its small integer id. Rows are never deleted, so ids can be cached.
CREATE TABLE series (
	id       INTEGER PRIMARY KEY,
	monitor  TEXT NOT NULL,
	location TEXT NOT NULL,
	UNIQUE (monitor, location)
);

-- results holds every check result, narrow, clustered by series and time
-- (WITHOUT ROWID: no separate index). The state is 0 up, 1 degraded,
-- 2 down; message and extra (JSON of the rare measurements: packet loss,
-- throughput, certificate expiry) are NULL when empty; seq is NULL for
-- local checks. A series has one result per millisecond: a second one is
-- the same result delivered again.
CREATE TABLE results (
	series   INTEGER NOT NULL,
	at       INTEGER NOT NULL,
	duration INTEGER NOT NULL,
	latency  INTEGER NOT NULL,
	state    INTEGER NOT NULL,
	seq      INTEGER,
	message  TEXT,
	extra    TEXT,
	PRIMARY KEY (series, at)
) WITHOUT ROWID;
-- An agent's result is stored once, however often it is delivered.
CREATE UNIQUE INDEX results_series_seq ON results (series, seq) WHERE seq IS NOT NULL;

-- minutes aggregates results per series and minute (minute = at / 60000),
-- maintained in the transaction that inserts the results.
CREATE TABLE minutes (
	series      INTEGER NOT NULL,
	minute      INTEGER NOT NULL,
	up          INTEGER NOT NULL,
	degraded    INTEGER NOT NULL,
	down        INTEGER NOT NULL,
	latency_sum INTEGER NOT NULL,
	latency_max INTEGER NOT NULL,
	PRIMARY KEY (series, minute)
) WITHOUT ROWID;

-- agents keeps the highest seq stored per agent location; pruning results
-- does not lower it.
CREATE TABLE agents (
	location TEXT PRIMARY KEY,
	seq      INTEGER NOT NULL
) WITHOUT ROWID;

-- facts holds evidence facts as compacted JSON; at is NULL for facts
-- without a time; n keeps the insertion order.
CREATE TABLE facts (
	n    INTEGER PRIMARY KEY,
	id   TEXT NOT NULL UNIQUE,
	type TEXT NOT NULL,
	at   INTEGER,
	body TEXT NOT NULL
);
CREATE INDEX facts_at ON facts (at);

-- states keeps the scheduler's state per series.
CREATE TABLE states (
	series     INTEGER PRIMARY KEY,
	state      INTEGER,
	confirmed  INTEGER,
	fails      INTEGER NOT NULL,
	successes  INTEGER NOT NULL,
	next_due   INTEGER,
	updated_at INTEGER
);
