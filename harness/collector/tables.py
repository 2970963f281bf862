"""The collector's tables, and the view a burst of deliveries is stored through."""

# Rejected deliveries kept, per reason and site: the most recent ones. Their counters
# (``/api/stats``) count every one; anyone can send junk, and it must not fill the disk.
REJECTED_KEPT = 1000

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sites (id TEXT PRIMARY KEY, origin TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS contact_points (
    email TEXT PRIMARY KEY, consent TEXT NOT NULL DEFAULT 'not_set');
CREATE TABLE IF NOT EXISTS profiles (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, email TEXT NOT NULL UNIQUE,
    allow_tracking INTEGER, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS links (
    id TEXT PRIMARY KEY, profile_id TEXT NOT NULL, url TEXT NOT NULL,
    link_tracking INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS forms (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, web_tracking INTEGER NOT NULL);
-- Gone: it tied every form submission to its person, recorded or not (a database of an
-- earlier version still has it).
DROP TABLE IF EXISTS form_submissions;
CREATE TABLE IF NOT EXISTS interactions (
    seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL,
    type TEXT NOT NULL, profile_id TEXT NOT NULL, site TEXT, occurred_at TEXT NOT NULL,
    received_at TEXT NOT NULL, fields TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS interactions_profile ON interactions (profile_id, type);
-- An event id is claimed by the interaction recorded under it, per profile: a retried
-- delivery is stored once, and nobody else's delivery can make a recorded one vanish.
CREATE UNIQUE INDEX IF NOT EXISTS interactions_event ON interactions (profile_id, event_id);
CREATE TABLE IF NOT EXISTS rejected (
    seq INTEGER PRIMARY KEY, event_id TEXT, reason TEXT NOT NULL,
    detail TEXT NOT NULL, site TEXT, type TEXT, received_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS rejected_kept ON rejected (reason, site, seq);
-- A database of an earlier version kept every one.
DELETE FROM rejected WHERE seq IN (SELECT seq FROM (SELECT seq, row_number() OVER (
    PARTITION BY reason, site ORDER BY seq DESC) AS newer FROM rejected)
    WHERE newer > {kept});
CREATE TABLE IF NOT EXISTS counters (
    name TEXT NOT NULL, reason TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (name, reason));
-- A batch of deliveries stored by one INSERT into this view (JSON arrays in, SQLite takes
-- them apart): one statement is its own transaction, and one call from Python.
--   interactions: [[profile_id, site, event], ...]  rejected: [[event_id, reason, detail,
--   site, type], ...]  counts: [[name, reason, n], ...]  attempted: len(interactions)
CREATE VIEW IF NOT EXISTS ingest_batch AS SELECT NULL AS interactions, NULL AS rejected,
    NULL AS counts, NULL AS attempted, NULL AS received_at;
-- Made again at every start: a database of an earlier version has an earlier one.
DROP TRIGGER IF EXISTS ingest_batch_insert;
CREATE TRIGGER ingest_batch_insert INSTEAD OF INSERT ON ingest_batch BEGIN
    INSERT INTO rejected (event_id, reason, detail, site, type, received_at)
        SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),
               json_extract(value, '$[2]'), json_extract(value, '$[3]'),
               json_extract(value, '$[4]'), NEW.received_at FROM json_each(NEW.rejected);
    -- Only the most recent {kept} of each reason and site are kept (counted all the same).
    DELETE FROM rejected WHERE seq IN (
        SELECT stored.seq FROM (SELECT DISTINCT json_extract(value, '$[1]') AS reason,
                                    json_extract(value, '$[3]') AS site
                             FROM json_each(NEW.rejected)) AS batch
        JOIN rejected AS stored ON stored.reason = batch.reason AND stored.site IS batch.site
        WHERE stored.seq <= (SELECT seq FROM rejected AS kept WHERE kept.reason = batch.reason
                          AND kept.site IS batch.site ORDER BY seq DESC
                          LIMIT 1 OFFSET {kept}));
    -- An event id is claimed per profile: a retry is left out, and counted as a duplicate.
    INSERT INTO interactions (event_id, type, profile_id, site, occurred_at, received_at,
                              fields)
        SELECT json_extract(value, '$[2].event_id'), json_extract(value, '$[2].type'),
               json_extract(value, '$[0]'), json_extract(value, '$[1]'),
               json_extract(value, '$[2].occurred_at'), NEW.received_at,
               json_remove(json_extract(value, '$[2]'), '$.event_id', '$.type',
                           '$.occurred_at')
        FROM json_each(NEW.interactions) WHERE true
        ON CONFLICT (profile_id, event_id) DO NOTHING;
    -- changes(): the rows the insert above stored.
    INSERT INTO counters (name, reason, n)
        SELECT name, '', n FROM (SELECT 'recorded' AS name, changes() AS n
                                 UNION ALL SELECT 'received', changes()
                                 UNION ALL SELECT 'duplicates', NEW.attempted - changes())
        WHERE n > 0 ON CONFLICT (name, reason) DO UPDATE SET n = n + excluded.n;
    INSERT INTO counters (name, reason, n)
        SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),
               json_extract(value, '$[2]') FROM json_each(NEW.counts) WHERE true
        ON CONFLICT (name, reason) DO UPDATE SET n = n + excluded.n;
END;
""".replace("{kept}", str(REJECTED_KEPT))
