-- Which stream the contract views read each bucket from. The contract views' names are a public
-- contract.
--
-- No double counting: when several streams (pipelines with other groupings or filters) hold the
-- same endpoint, bucket width and bucket, a contract view shows the rows of exactly one of them.
-- Different bucket widths are distinguished by the bucket_width column; filter on it before summing.
-- (canonical_streams from 006_contract_views.sql with its comment of 013_exact_coverage.sql;
-- stream_coverage from 013_exact_coverage.sql.)

-- The one stream per organization, endpoint and width: what the contract views read until 013
-- (unfiltered first, then the finest grouping, then the oldest). Kept for analysts who name it.
CREATE OR REPLACE VIEW analytics.canonical_streams AS
SELECT DISTINCT ON (organization, endpoint, bucket_width) stream_id, organization, endpoint, bucket_width
FROM etl.streams
ORDER BY organization, endpoint, bucket_width, (filters = '') DESC, cardinality(group_by) DESC, stream_id;

COMMENT ON VIEW analytics.canonical_streams IS
  'Superseded by analytics.stream_coverage: the contract views now choose a stream per bucket, not per endpoint.';

-- The buckets each stream shows in the contract views: the buckets of its loaded windows, less
-- those a better stream of the same organization, endpoint and width holds. Better: the finer
-- grouping, then the older stream. A filtered stream (some projects, batch only, …) holds part of
-- the usage only, so it never fills the gaps of an unfiltered one: it is shown only where the
-- organization loads that endpoint and width through filtered streams alone.
CREATE OR REPLACE VIEW analytics.stream_coverage AS
WITH loaded AS (
    SELECT s.stream_id, s.organization, s.endpoint, s.bucket_width, s.filters,
           range_agg(tstzrange(w.window_start, w.window_end)) AS buckets,
           row_number() OVER (PARTITION BY s.organization, s.endpoint, s.bucket_width
                              ORDER BY (s.filters = '') DESC, cardinality(s.group_by) DESC, s.stream_id) AS preference
    FROM etl.streams s JOIN etl.windows w USING (stream_id)
    WHERE w.loaded_fetched_at IS NOT NULL
    GROUP BY s.stream_id
), eligible AS (
    SELECT l.* FROM loaded l
    WHERE l.filters = '' OR NOT EXISTS (SELECT 1 FROM loaded u WHERE u.filters = '' AND u.organization = l.organization
                                        AND u.endpoint = l.endpoint AND u.bucket_width = l.bucket_width)
)
SELECT l.stream_id, l.organization, l.endpoint, l.bucket_width, l.preference,
       l.buckets - coalesce((SELECT range_agg(b.buckets) FROM eligible b
                             WHERE b.organization = l.organization AND b.endpoint = l.endpoint
                               AND b.bucket_width = l.bucket_width AND b.preference < l.preference),
                            '{}'::tstzmultirange) AS buckets
FROM eligible l;

COMMENT ON VIEW analytics.stream_coverage IS
  'Per stream, the buckets the contract views read from it: each bucket from exactly one stream.';

GRANT SELECT ON analytics.canonical_streams, analytics.stream_coverage TO usage_etl_analyst;
