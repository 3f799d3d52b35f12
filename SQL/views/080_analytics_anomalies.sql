-- Anomalies: requests, tokens (completions and decisions) and spend per project and model, per day (1d streams) and per hour
-- (1h streams), each compared with its own seasonal baseline: the same weekday over the trailing 8
-- weeks for days, the same hour of day over the trailing 7 days for hours (at least 4 points), by
-- median and MAD, so weekends and nights are not anomalies. A point is flagged when it departs
-- from the median by more than 5 scaled MADs and by half the median; 'critical' beyond 10 MADs and
-- 3x (or under a tenth of) the median.
-- (First in 007_analyst_views.sql with its comment; this text from 011_named_dimensions.sql.)

-- Requests and tokens of the model endpoints: completions and decisions. Anomalies judge each
-- endpoint against its own baseline (`endpoint`, appended: costs for spend), so an endpoint whose
-- loading starts later does not read as a spike of the other's.
CREATE OR REPLACE VIEW analytics.model_tokens AS
SELECT organization_id, bucket_start, bucket_width, project_id, model, 'completions'::text AS endpoint,
       input_tokens, output_tokens, num_model_requests
FROM analytics.completions_usage
UNION ALL
SELECT organization_id, bucket_start, bucket_width, project_id, model, 'decisions', input_tokens, output_tokens, num_model_requests
FROM analytics.decisions_usage;
COMMENT ON VIEW analytics.model_tokens IS 'Input and output tokens and requests of completions and decisions, per bucket, project and model.';
GRANT SELECT ON analytics.model_tokens TO usage_etl_analyst;

CREATE OR REPLACE VIEW analytics.anomalies AS
SELECT v.grain, v.period_start, v.organization_id, v.project_id, v.model, v.metric, v.value, v.baseline_median, v.baseline_scale,
       v.baseline_points, v.score, v.direction, v.severity, p.name AS project_name, o.name AS organization_name, v.endpoint
FROM (
    WITH points AS (
        SELECT 'day'::text AS grain, (bucket_start AT TIME ZONE 'UTC') AS period_start, organization_id, project_id,
               model, 'requests'::text AS metric, sum(num_model_requests)::double precision AS value, endpoint
        FROM analytics.model_tokens WHERE bucket_width = '1d' GROUP BY 1, 2, 3, 4, 5, 8
        UNION ALL
        SELECT 'day', (bucket_start AT TIME ZONE 'UTC'), organization_id, project_id, model, 'tokens',
               sum(input_tokens + output_tokens)::double precision, endpoint
        FROM analytics.model_tokens WHERE bucket_width = '1d' GROUP BY 1, 2, 3, 4, 5, 8
        UNION ALL
        SELECT 'day', (bucket_start AT TIME ZONE 'UTC'), organization_id, project_id, split_part(line_item, ', ', 1), 'spend',
               sum(amount)::double precision, 'costs'
        FROM analytics.costs WHERE bucket_width = '1d' GROUP BY 1, 2, 3, 4, 5
        UNION ALL
        SELECT 'hour', (bucket_start AT TIME ZONE 'UTC'), organization_id, project_id, model, 'requests',
               sum(num_model_requests)::double precision, endpoint
        FROM analytics.model_tokens WHERE bucket_width = '1h' GROUP BY 1, 2, 3, 4, 5, 8
        UNION ALL
        SELECT 'hour', (bucket_start AT TIME ZONE 'UTC'), organization_id, project_id, model, 'tokens',
               sum(input_tokens + output_tokens)::double precision, endpoint
        FROM analytics.model_tokens WHERE bucket_width = '1h' GROUP BY 1, 2, 3, 4, 5, 8
    ), baselines AS (
        SELECT p.*,
               CASE WHEN grain = 'day'
                    THEN array_agg(value) OVER (PARTITION BY grain, organization_id, project_id, model, metric, endpoint,
                                                             extract(isodow FROM period_start)
                                                ORDER BY period_start
                                                RANGE BETWEEN interval '56 days' PRECEDING AND interval '1 day' PRECEDING)
                    ELSE array_agg(value) OVER (PARTITION BY grain, organization_id, project_id, model, metric, endpoint,
                                                             extract(hour FROM period_start)
                                                ORDER BY period_start
                                                RANGE BETWEEN interval '7 days' PRECEDING AND interval '1 hour' PRECEDING)
               END AS baseline
        FROM points p
    ), scored AS (
        SELECT grain, period_start, organization_id, project_id, model, metric, value, endpoint,
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
                ELSE 'warning' END AS severity,
           endpoint
    FROM scored
    WHERE abs(value - baseline_median) > 5 * baseline_scale
      AND abs(value - baseline_median) > 0.5 * baseline_median
) v
LEFT JOIN warehouse.dim_project p ON p.natural_id = v.project_id
LEFT JOIN warehouse.dim_organization o ON o.natural_id = v.organization_id;
COMMENT ON VIEW analytics.anomalies IS
  'Days (1d streams) and hours (1h streams) whose requests, tokens or spend per project and model depart from the trailing median by more than 5 scaled MADs and half the median.';

GRANT SELECT ON analytics.anomalies TO usage_etl_analyst;
