-- A subscriber a customer added in its portal belongs to that customer:
-- it sees and removes only its own.
ALTER TABLE subscribers ADD COLUMN customer TEXT NOT NULL DEFAULT '';
