-- facts_status finds, for each component and source, its latest status
-- fact before a time (EachFactFor): a report of one month reads the state
-- each source left at the month's start without reading the year of
-- status facts before it.
CREATE INDEX facts_status ON facts ((CAST(body AS jsonb) ->> 'component'), coalesce(CAST(body AS jsonb) ->> 'source', ''), at) WHERE type = 'status';
