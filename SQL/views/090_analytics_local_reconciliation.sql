-- Usage that applications logged themselves (`usage-etl import-local`, warehouse.local_usage)
-- reconciled with what the API reports (the tolerance is analytics.reconciliation_settings; both
-- tables are in 009_local_usage.sql).
-- (From 009_local_usage.sql.)

-- Per UTC day and model, on days the local logs cover: local vs API tokens, requests and cost,
-- their differences (API minus local) and percentages of the API figure, and `reconciled` when
-- every difference is within the tolerance.
CREATE OR REPLACE VIEW analytics.local_reconciliation AS
WITH local AS (
    SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, model,
           sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
           count(*) AS requests, sum(cost) AS cost
    FROM warehouse.local_usage GROUP BY 1, 2
), api AS (
    SELECT day, model, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
           sum(num_model_requests) AS requests
    FROM analytics.daily_tokens GROUP BY 1, 2
), api_cost AS (
    SELECT day, split_part(line_item, ', ', 1) AS model, sum(amount) AS cost
    FROM analytics.daily_spend GROUP BY 1, 2
), joined AS (
    SELECT coalesce(l.day, a.day) AS day, coalesce(l.model, a.model) AS model,
           coalesce(l.input_tokens, 0) AS local_input_tokens, coalesce(a.input_tokens, 0) AS api_input_tokens,
           coalesce(l.output_tokens, 0) AS local_output_tokens, coalesce(a.output_tokens, 0) AS api_output_tokens,
           coalesce(l.requests, 0) AS local_requests, coalesce(a.requests, 0) AS api_requests,
           l.cost AS local_cost, c.cost AS api_cost
    FROM local l
    FULL JOIN api a ON a.day = l.day AND a.model = l.model
    LEFT JOIN api_cost c ON c.day = coalesce(l.day, a.day) AND c.model = coalesce(l.model, a.model)
    WHERE coalesce(l.day, a.day) IN (SELECT day FROM local)
), measured AS (
    SELECT j.*,
           api_input_tokens - local_input_tokens AS input_token_difference,
           api_output_tokens - local_output_tokens AS output_token_difference,
           api_requests - local_requests AS request_difference,
           api_cost - local_cost AS cost_difference,
           round(100.0 * (api_input_tokens - local_input_tokens) / nullif(api_input_tokens, 0), 2) AS input_token_difference_pct,
           round(100.0 * (api_output_tokens - local_output_tokens) / nullif(api_output_tokens, 0), 2) AS output_token_difference_pct,
           round(100.0 * (api_requests - local_requests) / nullif(api_requests, 0), 2) AS request_difference_pct,
           round(100.0 * (api_cost - local_cost) / nullif(api_cost, 0), 2) AS cost_difference_pct
    FROM joined j
)
SELECT m.*,
       (abs(input_token_difference) <= s.tolerance * api_input_tokens
        AND abs(output_token_difference) <= s.tolerance * api_output_tokens
        AND abs(request_difference) <= s.tolerance * api_requests
        AND (local_cost IS NULL OR api_cost IS NULL OR abs(cost_difference) <= s.tolerance * api_cost)) AS reconciled
FROM measured m CROSS JOIN analytics.reconciliation_settings s;
COMMENT ON VIEW analytics.local_reconciliation IS
  'Local logs vs the API per UTC day and model: tokens, requests and cost, differences (API minus local), percentages, and reconciled within analytics.reconciliation_settings.tolerance (default 5%).';

GRANT SELECT ON analytics.local_reconciliation TO usage_etl_analyst;
