-- Tokens and requests per UTC day (1d streams of completions, decisions, embeddings and moderations), with
-- the names of project, user and API key.
-- Names next to ids: the current name of each id from the dimensions (columns appended in 011;
-- the earlier ones are unchanged).
-- (First in 007_analyst_views.sql with its comment; this text from 011_named_dimensions.sql.)

CREATE OR REPLACE VIEW analytics.daily_tokens AS
SELECT v.*, p.name AS project_name, u.name AS user_name, u.email AS user_email, k.name AS api_key_name, o.name AS organization_name
FROM (
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
    SELECT organization_id, (bucket_start AT TIME ZONE 'UTC')::date, 'decisions', model, project_id, user_id, api_key_id, batch, service_tier,
           sum(input_tokens), sum(input_cached_tokens), sum(output_tokens), sum(num_model_requests),
           round(sum(input_cached_tokens)::numeric / nullif(sum(input_tokens), 0), 4)
    FROM analytics.decisions_usage WHERE bucket_width = '1d'
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
    GROUP BY 1, 2, 3, 4, 5, 6, 7
) v
LEFT JOIN warehouse.dim_project p ON p.natural_id = v.project_id
LEFT JOIN warehouse.dim_user u ON u.natural_id = v.user_id
LEFT JOIN warehouse.dim_api_key k ON k.natural_id = v.api_key_id
LEFT JOIN warehouse.dim_organization o ON o.natural_id = v.organization_id;
COMMENT ON VIEW analytics.daily_tokens IS
  'Tokens and requests per UTC day by endpoint, model, project, user, API key, batch and service tier, with the cached share of input tokens.';

GRANT SELECT ON analytics.daily_tokens TO usage_etl_analyst;
