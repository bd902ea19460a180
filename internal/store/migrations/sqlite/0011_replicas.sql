-- replicas and handoff are the membership and the result queue of servers
-- sharing a PostgreSQL database (see the PostgreSQL migration). An SQLite
-- file has one server, so they stay empty here; they exist so that both
-- stores keep one contract.
CREATE TABLE replicas (
	id       TEXT PRIMARY KEY,
	name     TEXT NOT NULL,
	from_ms  INTEGER NOT NULL,
	seen_ms  INTEGER NOT NULL,
	until_ms INTEGER
);

CREATE TABLE handoff (
	n     INTEGER PRIMARY KEY,
	owner TEXT NOT NULL,
	body  TEXT NOT NULL
);
CREATE INDEX handoff_owner ON handoff (owner, n);
