-- Data freshness, for analysts (who read analytics only): per organization, endpoint and bucket
-- width, how far the loaded data reaches and what is not settled; and the last run of each command.
-- (New with `usage-etl report`.)

CREATE OR REPLACE VIEW analytics.data_freshness AS
SELECT s.organization AS organization_id,
       s.endpoint,
       s.bucket_width,
       max(w.window_end) FILTER (WHERE w.state = 'done') AS loaded_until,
       count(*) FILTER (WHERE w.state = 'done' AND w.provisional) AS windows_provisional,
       count(*) FILTER (WHERE w.state = 'failed') AS windows_failed,
       count(*) FILTER (WHERE w.state IN ('pending', 'running')) AS windows_pending,
       max(w.loaded_at) AS last_loaded_at
FROM etl.streams s
JOIN etl.windows w USING (stream_id)
GROUP BY 1, 2, 3;
COMMENT ON VIEW analytics.data_freshness IS
  'Per organization, endpoint and bucket width: the end of the loaded data, provisional (to be fetched again), failed and pending windows, and the last load.';

CREATE OR REPLACE VIEW analytics.last_runs AS
SELECT DISTINCT ON (command) command, outcome, started_at, finished_at, windows_done, windows_failed
FROM etl.runs
ORDER BY command, started_at DESC, run_id DESC;
COMMENT ON VIEW analytics.last_runs IS 'The last run of each command: outcome, start, end and windows loaded and failed.';

GRANT SELECT ON analytics.data_freshness, analytics.last_runs TO usage_etl_analyst;
