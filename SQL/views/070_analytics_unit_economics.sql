-- Unit economics: cost per 1M input/output tokens and per request, by UTC month, project and model
-- family. Costs line items read "<model>, <kind>" (kind: input, cached input, output, …).
-- (First in 007_analyst_views.sql with its comment; this text from 011_named_dimensions.sql.)

CREATE OR REPLACE VIEW analytics.unit_economics AS
SELECT v.*, p.name AS project_name, o.name AS organization_name
FROM (
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
                     AND u.project_id IS NOT DISTINCT FROM s.project_id AND u.model_family = s.model_family
) v
LEFT JOIN warehouse.dim_project p ON p.natural_id = v.project_id
LEFT JOIN warehouse.dim_organization o ON o.natural_id = v.organization_id;
COMMENT ON VIEW analytics.unit_economics IS
  'Cost per 1M input/output tokens and per request, by UTC month, project and model family (costs line items joined with usage).';

GRANT SELECT ON analytics.unit_economics TO usage_etl_analyst;
