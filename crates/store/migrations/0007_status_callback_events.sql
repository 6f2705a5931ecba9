-- Which statuses a call posts to its status callback (initiated, ringing, answered,
-- completed — the last one for every final status); NULL: all of them. An application holds
-- the default for its calls.
ALTER TABLE calls ADD COLUMN status_callback_events text[];
ALTER TABLE applications ADD COLUMN status_callback_events text[];
