-- facts_ticket finds a ticket's events (TicketFacts): a helpdesk
-- integration reads them on each webhook to tell what changed.
CREATE INDEX facts_ticket ON facts ((CAST(body AS jsonb) ->> 'ticket')) WHERE type = 'ticket_event';
