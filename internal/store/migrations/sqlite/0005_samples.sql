-- samples holds the hourly summaries of the performance measured by the
-- checks, per component, location and metric: count, sum, min and max of
-- the measurements of the hour that starts at hour_ms. AddSamples adds to
-- them.
CREATE TABLE samples (
	component TEXT NOT NULL,
	location  TEXT NOT NULL,
	metric    TEXT NOT NULL,
	hour_ms   INTEGER NOT NULL,
	n         INTEGER NOT NULL,
	sum       REAL NOT NULL,
	min       REAL NOT NULL,
	max       REAL NOT NULL,
	PRIMARY KEY (component, location, metric, hour_ms)
);
CREATE INDEX samples_hour ON samples (hour_ms);
