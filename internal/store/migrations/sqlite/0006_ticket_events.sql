-- facts_ticket finds a ticket's events (TicketFacts): a helpdesk
-- integration reads them on each webhook to tell what changed.
CREATE INDEX facts_ticket ON facts (json_extract(body, '$.ticket')) WHERE type = 'ticket_event';
