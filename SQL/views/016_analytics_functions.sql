-- Helper functions of the analyst views: the model family (unit economics), and median and median
-- absolute deviation (anomalies).
-- (From 007_analyst_views.sql.)

-- A model family is the model name without its date suffix (gpt-4o-2024-08-06 -> gpt-4o).
CREATE OR REPLACE FUNCTION analytics.model_family(model text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN regexp_replace(model, '-\d{4}-\d{2}-\d{2}$', '');

-- Median of the samples (anomaly baselines).
CREATE OR REPLACE FUNCTION analytics.median(samples double precision[]) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) FROM unnest(samples) AS v);

-- Median absolute deviation around the median.
CREATE OR REPLACE FUNCTION analytics.mad(samples double precision[]) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(v - analytics.median(samples))) FROM unnest(samples) AS v);

GRANT EXECUTE ON FUNCTION analytics.model_family(text), analytics.median(double precision[]),
    analytics.mad(double precision[]) TO usage_etl_analyst;
