-- seq numbers the outbounds in the order they were enqueued: a recipient's
-- are delivered one at a time in that order (DueOutbound), so that a
-- retried "down" is not overtaken by its "up". rowid is not kept, since
-- VACUUM may renumber it.
ALTER TABLE outbound ADD COLUMN seq INTEGER;
UPDATE outbound SET seq = rowid;
CREATE UNIQUE INDEX outbound_seq ON outbound (seq);
CREATE INDEX outbound_pending_recipient_seq ON outbound (recipient, seq) WHERE state = 'pending';
