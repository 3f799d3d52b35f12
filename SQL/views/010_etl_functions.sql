-- ETL functions the loader calls: which buckets of a window a load may replace, and the lock
-- that makes loads of overlapping windows of one stream take turns.
-- (From 013_exact_coverage.sql.)

-- The buckets of a window that no loaded window of the same stream with a later fetch holds: the
-- part of the window a load (of the window's current pages) may replace.
CREATE OR REPLACE FUNCTION etl.window_owned_buckets(p_window_id bigint) RETURNS tstzmultirange
LANGUAGE sql STABLE AS $$
    SELECT tstzmultirange(tstzrange(w.window_start, w.window_end))
           - coalesce((SELECT range_agg(tstzrange(o.window_start, o.window_end))
                       FROM etl.windows o
                       WHERE o.stream_id = w.stream_id AND o.window_id <> w.window_id
                         AND o.loaded_fetch_seq IS NOT NULL
                         AND o.window_start < w.window_end AND o.window_end > w.window_start
                         AND (o.loaded_fetch_seq, o.window_id) > (coalesce(w.fetch_seq, 0), w.window_id)), '{}'::tstzmultirange)
    FROM etl.windows w WHERE w.window_id = p_window_id
$$;

-- Loads of overlapping windows of one stream take turns: a transaction-level advisory lock per
-- stream and UTC day the range touches, taken in day order (so two loads never wait on each
-- other in a cycle). Keys are negative, -1 - (stream_id << 32 | day): window claims take the
-- positive one-bigint keys (their ids), so the two never meet (Warehouse/AdvisoryLock.swift).
CREATE OR REPLACE FUNCTION etl.lock_stream_span(p_stream_id integer, from_ts timestamptz, to_ts timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    day bigint := floor(extract(epoch FROM from_ts) / 86400)::bigint;
    last_day bigint := floor((extract(epoch FROM to_ts) - 1) / 86400)::bigint;
BEGIN
    WHILE day <= last_day LOOP
        PERFORM pg_advisory_xact_lock(-1 - ((p_stream_id::bigint << 32) | (day & 4294967295)));
        day := day + 1;
    END LOOP;
END
$$;

-- The buckets each stream shows in the contract views: the buckets of its loaded windows, less
