-- Analyst views over the contract views: spend, tokens, images, audio, storage, sessions, unit
-- economics, budgets and anomalies. Daily views read daily (1d) streams; hourly anomalies read
-- hourly (1h) streams. All times are UTC.

-- Spend ---------------------------------------------------------------------------------------

CREATE VIEW analytics.daily_spend AS
SELECT organization_id,
       (bucket_start AT TIME ZONE 'UTC')::date AS day,
       project_id,
       line_item,
       currency,
       sum(amount) AS amount
FROM analytics.costs
WHERE bucket_width = '1d'
GROUP BY 1, 2, 3, 4, 5;
COMMENT ON VIEW analytics.daily_spend IS 'Spend per UTC day, project and line item, in each currency.';

CREATE VIEW analytics.monthly_spend AS
SELECT organization_id,
       date_trunc('month', day)::date AS month,
       project_id,
       line_item,
       currency,
       sum(amount) AS amount
FROM analytics.daily_spend
GROUP BY 1, 2, 3, 4, 5;
COMMENT ON VIEW analytics.monthly_spend IS 'Spend per UTC month, project and line item, in each currency.';

CREATE VIEW analytics.month_to_date_spend AS
SELECT organization_id,
       date_trunc('month', now() AT TIME ZONE 'UTC')::date AS month,
       project_id,
       currency,
       sum(amount) AS amount
FROM analytics.daily_spend
WHERE day >= date_trunc('month', now() AT TIME ZONE 'UTC')::date
GROUP BY 1, 2, 3, 4;
COMMENT ON VIEW analytics.month_to_date_spend IS 'Spend of the current UTC month so far, per project.';

-- Tokens and requests -------------------------------------------------------------------------

CREATE VIEW analytics.daily_tokens AS
SELECT organization_id,
       (bucket_start AT TIME ZONE 'UTC')::date AS day,
       'completions'::text AS endpoint,
       model, project_id, user_id, api_key_id, batch, service_tier,
       sum(input_tokens) AS input_tokens,
       sum(input_cached_tokens) AS input_cached_tokens,
       sum(output_tokens) AS output_tokens,
       sum(num_model_requests) AS num_model_requests,
       round(sum(input_cached_tokens)::numeric / nullif(sum(input_tokens), 0), 4) AS cached_input_share
FROM analytics.completions_usage WHERE bucket_width = '1d'
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
UNION ALL
SELECT organization_id, (bucket_start AT TIME ZONE 'UTC')::date, 'embeddings', model, project_id, user_id, api_key_id, NULL, NULL,
       sum(input_tokens), NULL, 0, sum(num_model_requests), NULL
FROM analytics.embeddings_usage WHERE bucket_width = '1d'
GROUP BY 1, 2, 3, 4, 5, 6, 7
UNION ALL
SELECT organization_id, (bucket_start AT TIME ZONE 'UTC')::date, 'moderations', model, project_id, user_id, api_key_id, NULL, NULL,
       sum(input_tokens), NULL, 0, sum(num_model_requests), NULL
FROM analytics.moderations_usage WHERE bucket_width = '1d'
GROUP BY 1, 2, 3, 4, 5, 6, 7;
COMMENT ON VIEW analytics.daily_tokens IS
  'Tokens and requests per UTC day by endpoint, model, project, user, API key, batch and service tier, with the cached share of input tokens.';

-- Images, audio, storage, sessions ------------------------------------------------------------

CREATE VIEW analytics.daily_images AS
SELECT organization_id, (bucket_start AT TIME ZONE 'UTC')::date AS day, project_id, model, size, source,
       sum(images) AS images, sum(num_model_requests) AS num_model_requests
FROM analytics.images_usage WHERE bucket_width = '1d'
GROUP BY 1, 2, 3, 4, 5, 6;

CREATE VIEW analytics.daily_audio AS
SELECT organization_id, (bucket_start AT TIME ZONE 'UTC')::date AS day, 'audio_speeches'::text AS endpoint, project_id, model,
       sum(characters) AS characters, NULL::bigint AS seconds, sum(num_model_requests) AS num_model_requests
FROM analytics.audio_speeches_usage WHERE bucket_width = '1d'
GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT organization_id, (bucket_start AT TIME ZONE 'UTC')::date, 'audio_transcriptions', project_id, model,
       NULL, sum(seconds), sum(num_model_requests)
FROM analytics.audio_transcriptions_usage WHERE bucket_width = '1d'
GROUP BY 1, 2, 3, 4, 5;

-- Vector store bytes are a gauge: each bucket states the storage in use, so never sum them over
-- time. The view keeps one value per project and bucket, and flags each project's latest one.
CREATE VIEW analytics.vector_store_storage AS
SELECT organization_id, bucket_start, bucket_end, bucket_width, project_id, usage_bytes,
       bucket_start = max(bucket_start) OVER (PARTITION BY organization_id, bucket_width, project_id) AS is_latest
FROM analytics.vector_stores_usage;
COMMENT ON VIEW analytics.vector_store_storage IS
  'Vector store bytes per project over time: a gauge (do not sum across buckets); is_latest marks the current value.';

CREATE VIEW analytics.daily_code_interpreter_sessions AS
SELECT organization_id, (bucket_start AT TIME ZONE 'UTC')::date AS day, project_id, sum(num_sessions) AS num_sessions
FROM analytics.code_interpreter_sessions_usage WHERE bucket_width = '1d'
GROUP BY 1, 2, 3;

-- Unit economics ------------------------------------------------------------------------------

-- A model family is the model name without its date suffix (gpt-4o-2024-08-06 -> gpt-4o).
CREATE FUNCTION analytics.model_family(model text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN regexp_replace(model, '-\d{4}-\d{2}-\d{2}$', '');

-- Costs line items read "<model>, <kind>" (kind: input, cached input, output, …).
CREATE VIEW analytics.unit_economics AS
WITH spend AS (
    SELECT organization_id, date_trunc('month', day)::date AS month, project_id, currency,
           analytics.model_family(split_part(line_item, ', ', 1)) AS model_family,
           sum(amount) FILTER (WHERE split_part(line_item, ', ', 2) IN ('input', 'cached input')) AS input_cost,
           sum(amount) FILTER (WHERE split_part(line_item, ', ', 2) = 'output') AS output_cost,
           sum(amount) AS total_cost
    FROM analytics.daily_spend
    WHERE line_item LIKE '%, %'
    GROUP BY 1, 2, 3, 4, 5
), usage AS (
    SELECT organization_id, date_trunc('month', day)::date AS month, project_id,
           analytics.model_family(model) AS model_family,
           sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
           sum(num_model_requests) AS num_model_requests
    FROM analytics.daily_tokens
    GROUP BY 1, 2, 3, 4
)
SELECT s.organization_id, s.month, s.project_id, s.model_family, s.currency,
       s.input_cost, s.output_cost, s.total_cost,
       u.input_tokens, u.output_tokens, u.num_model_requests,
       round(s.input_cost * 1000000 / nullif(u.input_tokens, 0), 6) AS cost_per_1m_input_tokens,
       round(s.output_cost * 1000000 / nullif(u.output_tokens, 0), 6) AS cost_per_1m_output_tokens,
       round(s.total_cost / nullif(u.num_model_requests, 0), 8) AS cost_per_request
FROM spend s
LEFT JOIN usage u ON u.organization_id = s.organization_id AND u.month = s.month
                 AND u.project_id IS NOT DISTINCT FROM s.project_id AND u.model_family = s.model_family;
COMMENT ON VIEW analytics.unit_economics IS
  'Cost per 1M input/output tokens and per request, by UTC month, project and model family (costs line items joined with usage).';

-- Budgets -------------------------------------------------------------------------------------

CREATE TABLE analytics.budgets (
    budget_id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name               text,
    organization_id    text,  -- NULL: every organization in the warehouse
    scope              text NOT NULL CHECK (scope IN ('organization', 'project')),
    project_id         text,
    monthly_amount     numeric NOT NULL CHECK (monthly_amount > 0),
    currency           text NOT NULL DEFAULT 'usd',
    warning_threshold  numeric NOT NULL DEFAULT 0.80 CHECK (warning_threshold > 0),
    critical_threshold numeric NOT NULL DEFAULT 0.95 CHECK (critical_threshold > 0),
    CHECK ((scope = 'project') = (project_id IS NOT NULL)),
    CHECK (warning_threshold <= critical_threshold)
);
COMMENT ON TABLE analytics.budgets IS
  'Monthly budgets for the organization or one project; thresholds are fractions of the amount (default 80% and 95%).';

-- Budget status at a moment (the view uses now()): spend to date in the moment's UTC month, a
-- linear projection to month end, the daily allowance left, and normal / warning / critical / over.
CREATE FUNCTION analytics.budget_status_at(at timestamptz)
RETURNS TABLE (budget_id integer, name text, organization_id text, scope text, project_id text, currency text,
               month date, monthly_amount numeric, spend_to_date numeric, projected_month_end numeric,
               remaining_daily_allowance numeric, used_fraction numeric, status text)
LANGUAGE sql STABLE
AS $$
    WITH clock AS MATERIALIZED (
        SELECT date_trunc('month', at AT TIME ZONE 'UTC') AS month_start,
               date_trunc('month', at AT TIME ZONE 'UTC') + interval '1 month' AS month_end,
               at AT TIME ZONE 'UTC' AS moment
    ), month_spend AS MATERIALIZED (
        SELECT s.organization_id, s.project_id, s.currency, sum(s.amount) AS amount
        FROM analytics.daily_spend s CROSS JOIN clock c
        WHERE s.day >= c.month_start::date AND s.day < c.moment::date + 1
        GROUP BY 1, 2, 3
    ), figures AS (
        SELECT b.*, c.month_start::date AS month,
               coalesce((SELECT sum(m.amount) FROM month_spend m
                         WHERE m.currency = b.currency
                           AND (b.organization_id IS NULL OR m.organization_id = b.organization_id)
                           AND (b.scope = 'organization' OR m.project_id = b.project_id)), 0) AS spend,
               greatest(extract(epoch FROM c.moment - c.month_start) / 86400, 1.0 / 24) AS days_elapsed,
               extract(epoch FROM c.month_end - c.month_start) / 86400 AS days_in_month,
               greatest(extract(epoch FROM c.month_end - c.moment) / 86400, 0) AS days_left
        FROM analytics.budgets b CROSS JOIN clock c
    )
    SELECT budget_id, name, organization_id, scope, project_id, currency, month, monthly_amount,
           spend AS spend_to_date,
           round(spend / days_elapsed::numeric * days_in_month::numeric, 2) AS projected_month_end,
           round(greatest(monthly_amount - spend, 0) / greatest(days_left::numeric, 1), 2) AS remaining_daily_allowance,
           round(spend / monthly_amount, 4) AS used_fraction,
           CASE WHEN spend > monthly_amount THEN 'over'
                WHEN spend >= critical_threshold * monthly_amount THEN 'critical'
                WHEN spend >= warning_threshold * monthly_amount
                  OR spend / days_elapsed::numeric * days_in_month::numeric > monthly_amount THEN 'warning'
                ELSE 'normal' END AS status
    FROM figures
$$;

CREATE VIEW analytics.budget_status AS SELECT * FROM analytics.budget_status_at(now());
COMMENT ON VIEW analytics.budget_status IS
  'Each budget this UTC month: spend to date, linear projection, remaining daily allowance, status normal/warning/critical/over (warning also when the projection exceeds the budget).';

-- Anomalies -----------------------------------------------------------------------------------

CREATE FUNCTION analytics.median(samples double precision[]) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) FROM unnest(samples) AS v);

-- Median absolute deviation around the median.
CREATE FUNCTION analytics.mad(samples double precision[]) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(v - analytics.median(samples))) FROM unnest(samples) AS v);

-- Requests, tokens and spend per project and model, per day (1d streams) and per hour (1h
-- streams), each compared with its own seasonal baseline: the same weekday over the trailing 8
-- weeks for days, the same hour of day over the trailing 7 days for hours (at least 4 points), by
-- median and MAD, so weekends and nights are not anomalies. A point is flagged when it departs
-- from the median by more than 5 scaled MADs and by half the median; 'critical' beyond 10 MADs and
-- 3x (or under a tenth of) the median.
CREATE VIEW analytics.anomalies AS
WITH points AS (
    SELECT 'day'::text AS grain, (bucket_start AT TIME ZONE 'UTC') AS period_start, organization_id, project_id,
           model, 'requests'::text AS metric, sum(num_model_requests)::double precision AS value
    FROM analytics.completions_usage WHERE bucket_width = '1d' GROUP BY 1, 2, 3, 4, 5
    UNION ALL
    SELECT 'day', (bucket_start AT TIME ZONE 'UTC'), organization_id, project_id, model, 'tokens',
           sum(input_tokens + output_tokens)::double precision
    FROM analytics.completions_usage WHERE bucket_width = '1d' GROUP BY 1, 2, 3, 4, 5
    UNION ALL
    SELECT 'day', (bucket_start AT TIME ZONE 'UTC'), organization_id, project_id, split_part(line_item, ', ', 1), 'spend',
           sum(amount)::double precision
    FROM analytics.costs WHERE bucket_width = '1d' GROUP BY 1, 2, 3, 4, 5
    UNION ALL
    SELECT 'hour', (bucket_start AT TIME ZONE 'UTC'), organization_id, project_id, model, 'requests',
           sum(num_model_requests)::double precision
    FROM analytics.completions_usage WHERE bucket_width = '1h' GROUP BY 1, 2, 3, 4, 5
    UNION ALL
    SELECT 'hour', (bucket_start AT TIME ZONE 'UTC'), organization_id, project_id, model, 'tokens',
           sum(input_tokens + output_tokens)::double precision
    FROM analytics.completions_usage WHERE bucket_width = '1h' GROUP BY 1, 2, 3, 4, 5
), baselines AS (
    SELECT p.*,
           CASE WHEN grain = 'day'
                THEN array_agg(value) OVER (PARTITION BY grain, organization_id, project_id, model, metric,
                                                         extract(isodow FROM period_start)
                                            ORDER BY period_start
                                            RANGE BETWEEN interval '56 days' PRECEDING AND interval '1 day' PRECEDING)
                ELSE array_agg(value) OVER (PARTITION BY grain, organization_id, project_id, model, metric,
                                                         extract(hour FROM period_start)
                                            ORDER BY period_start
                                            RANGE BETWEEN interval '7 days' PRECEDING AND interval '1 hour' PRECEDING)
           END AS baseline
    FROM points p
), scored AS (
    SELECT grain, period_start, organization_id, project_id, model, metric, value,
           cardinality(baseline) AS baseline_points,
           analytics.median(baseline) AS baseline_median,
           1.4826 * analytics.mad(baseline) AS baseline_scale
    FROM baselines
    WHERE cardinality(baseline) >= 4
)
SELECT grain, period_start AT TIME ZONE 'UTC' AS period_start, organization_id, project_id, model, metric, value,
       baseline_median, baseline_scale, baseline_points,
       round(((value - baseline_median) / nullif(baseline_scale, 0))::numeric, 2) AS score,
       CASE WHEN value > baseline_median THEN 'spike' ELSE 'drop' END AS direction,
       CASE WHEN abs(value - baseline_median) > 10 * baseline_scale
             AND (value > 3 * baseline_median OR value < 0.1 * baseline_median) THEN 'critical'
            ELSE 'warning' END AS severity
FROM scored
WHERE abs(value - baseline_median) > 5 * baseline_scale
  AND abs(value - baseline_median) > 0.5 * baseline_median;
COMMENT ON VIEW analytics.anomalies IS
  'Days (1d streams) and hours (1h streams) whose requests, tokens or spend per project and model depart from the trailing median by more than 5 scaled MADs and half the median.';
