-- samples holds the hourly summaries of the performance measured by the
-- checks, per component, location and metric: count, sum, min and max of
-- the measurements of the hour that starts at hour_ms. AddSamples adds to
-- them.
CREATE TABLE samples (
	component text NOT NULL,
	location  text NOT NULL,
	metric    text NOT NULL,
	hour_ms   bigint NOT NULL,
	n         bigint NOT NULL,
	sum       double precision NOT NULL,
	min       double precision NOT NULL,
	max       double precision NOT NULL,
	PRIMARY KEY (component, location, metric, hour_ms)
);
CREATE INDEX samples_hour ON samples (hour_ms);
