-- Calls-per-second pacing of carriers: the generic cell rate algorithm's "theoretical arrival
-- time" per carrier with a cps_limit. Taking a slot moves it on by 1 s / cps_limit; a slot is
-- free while it stays within one second of now (so a carrier takes bursts of up to cps_limit
-- calls, then one every 1 s / cps_limit). Every orchestrator shares it through the row lock.
CREATE TABLE carrier_pacing (
    carrier_id  uuid PRIMARY KEY REFERENCES carriers (id) ON DELETE CASCADE,
    tat         timestamptz NOT NULL
);

-- A carrier's live calls (its concurrent-call limit), without scanning every call.
CREATE INDEX calls_carrier_live_idx ON calls (carrier_id)
    WHERE status IN ('initiated', 'ringing', 'answered');
