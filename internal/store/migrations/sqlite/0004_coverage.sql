-- coverage holds the spans each component was being monitored, in
-- milliseconds: a run starts with a check result and is extended while
-- results keep coming (PutCoverage keeps the latest end).
CREATE TABLE coverage (
	component TEXT NOT NULL,
	start_ms  INTEGER NOT NULL,
	end_ms    INTEGER NOT NULL,
	PRIMARY KEY (component, start_ms)
);
CREATE INDEX coverage_end ON coverage (end_ms);
