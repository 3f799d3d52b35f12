-- Cost allocation: each day's cost per organization, project and line item, split over the usage
-- that line item paid for, in proportion to that usage, down to model, API key and user.
-- (New with issue 22; README "Cost allocation" has the rules in prose.)

-- What a costs line item prices: the usage endpoints whose usage carries it, the measure it is
-- priced on, and the models it covers (a regular expression over usage's model, NULL: any). The
-- one place these rules live; an unknown or credit line item has no rule (it stays unallocated).
--   "<model>, input" / "cached input" / "output"   tokens of completions, decisions (and, for
--                                                 input, embeddings) of that model; a family
--                                                 without a date ("gpt-4o-mini") covers its dated
--                                                 models ("gpt-4o-mini-2024-07-18")
--   "ft-<model>, …"                               the same, of fine-tuned models ("ft:<model>:…")
--   "evals | <model>, …"                          the same as "<model>, …"
--   "<model>, characters" / "seconds" / "images"  audio speeches, transcriptions, images of that model
--   "embeddings"                                  embeddings input tokens, any model
--   "Image models"                                images, any model
--   "assistants api | file search"                file search calls
--   "File search storage"                         vector store bytes
--   "code interpreter …"                          code interpreter sessions
--   "web search …"                                web search calls
--   anything with "credit"                        unallocated
CREATE OR REPLACE FUNCTION analytics.line_item_rule(line_item text)
RETURNS TABLE (endpoints text[], measure text, model_pattern text)
LANGUAGE sql IMMUTABLE
AS $$
    WITH item AS (
        SELECT lower(trim(coalesce(line_item, ''))) AS whole
    ), stripped AS (
        -- "evals | gpt-4o-mini, input" prices the same usage as "gpt-4o-mini, input".
        SELECT whole, CASE WHEN whole LIKE 'evals | %' THEN substr(whole, 9) ELSE whole END AS text FROM item
    ), parts AS (
        SELECT whole, text,
               CASE WHEN position(', ' IN text) > 0 THEN split_part(text, ', ', 1) END AS model,
               CASE WHEN position(', ' IN text) > 0 THEN substr(text, position(', ' IN text) + 2) END AS kind
        FROM stripped
    ), modelled AS (
        SELECT *,
               -- A model as a pattern: dots literal, a family without a date covers its dated releases;
               -- "ft-<model>" covers the fine-tuned models "ft:<model>:…".
               -- (Usage models are compared lower-cased too; a date is -YYYY-MM-DD or -MMDD.)
               CASE WHEN model LIKE 'ft-%'
                    THEN '^ft:' || regexp_replace(substr(model, 4), '([.+*?()\[\]{}|^$\\])', '\\\1', 'g')
                         || '(-[0-9]{4}(-[0-9]{2}-[0-9]{2})?)?(:.*)?$'
                    ELSE '^' || regexp_replace(model, '([.+*?()\[\]{}|^$\\])', '\\\1', 'g') || '(-[0-9]{4}(-[0-9]{2}-[0-9]{2})?)?$'
               END AS pattern
        FROM parts
    )
    SELECT r.endpoints, r.measure, r.model_pattern FROM modelled m
    CROSS JOIN LATERAL (
        SELECT * FROM (VALUES
            (1, m.whole LIKE '%credit%', NULL::text[], NULL::text, NULL::text),
            (2, m.kind = 'input', ARRAY['completions', 'decisions', 'embeddings'], 'input_tokens', m.pattern),
            (3, m.kind = 'cached input', ARRAY['completions', 'decisions'], 'input_cached_tokens', m.pattern),
            (4, m.kind = 'output', ARRAY['completions', 'decisions'], 'output_tokens', m.pattern),
            (5, m.kind = 'characters', ARRAY['audio_speeches'], 'characters', m.pattern),
            (6, m.kind IN ('seconds', 'minutes'), ARRAY['audio_transcriptions'], 'seconds', m.pattern),
            (7, m.kind = 'images', ARRAY['images'], 'images', m.pattern),
            (8, m.text = 'embeddings', ARRAY['embeddings'], 'input_tokens', NULL),
            (9, m.text LIKE 'image models%', ARRAY['images'], 'images', NULL),
            (10, m.text LIKE '%file search storage%', ARRAY['vector_stores'], 'usage_bytes', NULL),
            (11, m.text LIKE '%file search%', ARRAY['file_search_calls'], 'num_requests', NULL),
            (12, m.text LIKE '%code interpreter%', ARRAY['code_interpreter_sessions'], 'num_sessions', NULL),
            (13, m.text LIKE '%web search%', ARRAY['web_search_calls'], 'num_requests', NULL)
        ) AS r(priority, applies, endpoints, measure, model_pattern)
        WHERE r.applies
        ORDER BY r.priority
        LIMIT 1
    ) r
    WHERE r.endpoints IS NOT NULL
$$;
COMMENT ON FUNCTION analytics.line_item_rule(text) IS
  'The usage a costs line item prices: endpoints, measure and model pattern (no row: unallocated).';

-- The usage measures line items are priced on, per UTC day (1d streams, each bucket from the
-- stream the contract views read: the finest grouping loaded), project, model, API key and user.
-- "input_tokens" of completions and decisions is the uncached part (input less cached), which
-- "<model>, input" prices; cached input has its own line item.
CREATE OR REPLACE VIEW analytics.priced_quantities AS
SELECT organization_id, (bucket_start AT TIME ZONE 'UTC')::date AS day, endpoint, project_id, model, api_key_id, user_id, measure,
       sum(quantity)::numeric AS quantity
FROM (
    SELECT organization_id, bucket_start, 'completions' AS endpoint, project_id, model, api_key_id, user_id, m.measure, m.quantity
    FROM analytics.completions_usage
    CROSS JOIN LATERAL (VALUES ('input_tokens', input_tokens - coalesce(input_cached_tokens, 0)),
                               ('input_cached_tokens', coalesce(input_cached_tokens, 0)),
                               ('output_tokens', output_tokens)) AS m(measure, quantity)
    WHERE bucket_width = '1d'
    UNION ALL
    SELECT organization_id, bucket_start, 'decisions', project_id, model, api_key_id, user_id, m.measure, m.quantity
    FROM analytics.decisions_usage
    CROSS JOIN LATERAL (VALUES ('input_tokens', input_tokens - coalesce(input_cached_tokens, 0)),
                               ('input_cached_tokens', coalesce(input_cached_tokens, 0)),
                               ('output_tokens', output_tokens)) AS m(measure, quantity)
    WHERE bucket_width = '1d'
    UNION ALL
    SELECT organization_id, bucket_start, 'embeddings', project_id, model, api_key_id, user_id, 'input_tokens', input_tokens
    FROM analytics.embeddings_usage WHERE bucket_width = '1d'
    UNION ALL
    SELECT organization_id, bucket_start, 'images', project_id, model, api_key_id, user_id, 'images', images
    FROM analytics.images_usage WHERE bucket_width = '1d'
    UNION ALL
    SELECT organization_id, bucket_start, 'audio_speeches', project_id, model, api_key_id, user_id, 'characters', characters
    FROM analytics.audio_speeches_usage WHERE bucket_width = '1d'
    UNION ALL
    SELECT organization_id, bucket_start, 'audio_transcriptions', project_id, model, api_key_id, user_id, 'seconds', seconds
    FROM analytics.audio_transcriptions_usage WHERE bucket_width = '1d'
    UNION ALL
    SELECT organization_id, bucket_start, 'file_search_calls', project_id, NULL, api_key_id, user_id, 'num_requests', num_requests
    FROM analytics.file_search_calls_usage WHERE bucket_width = '1d'
    UNION ALL
    SELECT organization_id, bucket_start, 'web_search_calls', project_id, model, api_key_id, user_id, 'num_requests', num_requests
    FROM analytics.web_search_calls_usage WHERE bucket_width = '1d'
    UNION ALL
    SELECT organization_id, bucket_start, 'vector_stores', project_id, NULL, NULL, NULL, 'usage_bytes', usage_bytes
    FROM analytics.vector_stores_usage WHERE bucket_width = '1d'
    UNION ALL
    SELECT organization_id, bucket_start, 'code_interpreter_sessions', project_id, NULL, NULL, NULL, 'num_sessions', num_sessions
    FROM analytics.code_interpreter_sessions_usage WHERE bucket_width = '1d'
) u
WHERE quantity > 0
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
COMMENT ON VIEW analytics.priced_quantities IS
  'Usage per UTC day, endpoint, project, model, API key, user and priced measure: what analytics.cost_allocation splits costs by.';

-- Each day's cost (analytics.costs at 1d) per organization, project, line item and currency, split
-- over the usage its line item prices, in proportion to that usage. Exact: each share is rounded
-- to 12 decimals and the remainder goes to the largest share (then the first by model, key,
-- user), so a group's shares sum to its cost to the last digit. A cost whose line item has no rule
-- or no usage that day stays one row with basis 'unallocated' (NULL model, key and user): the view
-- always sums to analytics.costs.
CREATE OR REPLACE VIEW analytics.cost_allocation AS
WITH costs AS (
    SELECT (bucket_start AT TIME ZONE 'UTC')::date AS day, organization_id, project_id, line_item, currency, sum(amount) AS amount
    FROM analytics.costs
    WHERE bucket_width = '1d' AND amount IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5
), priced AS (
    SELECT c.*, r.endpoints, r.measure, r.model_pattern
    FROM costs c LEFT JOIN LATERAL analytics.line_item_rule(c.line_item) r ON true
), shares AS (
    -- One pass: a cost group with usage to carry it gets its usage rows; one without (no rule, no
    -- usage that day) keeps a single row with NULL usage. Equalities only (coalesce instead of IS
    -- NOT DISTINCT FROM), so the planner can hash them.
    SELECT p.day, p.organization_id, p.project_id, p.line_item, p.currency, p.amount, p.measure,
           u.model, u.api_key_id, u.user_id, sum(u.quantity) AS quantity
    FROM priced p
    LEFT JOIN analytics.priced_quantities u
      ON u.day = p.day AND u.organization_id = p.organization_id AND coalesce(u.project_id, '') = coalesce(p.project_id, '')
     AND u.measure = p.measure AND u.endpoint = ANY (p.endpoints)
     AND (p.model_pattern IS NULL OR lower(u.model) ~ p.model_pattern)
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
), weighed AS (
    SELECT s.*,
           sum(s.quantity) OVER w AS total,
           round(s.amount * s.quantity / nullif(sum(s.quantity) OVER w, 0), 12) AS share,
           row_number() OVER (w ORDER BY s.quantity DESC NULLS LAST, s.model NULLS LAST, s.api_key_id NULLS LAST, s.user_id NULLS LAST) AS rank
    FROM shares s
    WINDOW w AS (PARTITION BY s.day, s.organization_id, s.project_id, s.line_item, s.currency)
), allocated AS (
    SELECT w.*, sum(w.share) OVER (PARTITION BY w.day, w.organization_id, w.project_id, w.line_item, w.currency) AS shared
    FROM weighed w
)
SELECT day, organization_id, project_id, line_item,
       CASE WHEN total > 0 THEN model END AS model,
       CASE WHEN total > 0 THEN api_key_id END AS api_key_id,
       CASE WHEN total > 0 THEN user_id END AS user_id,
       CASE WHEN total > 0 THEN share + CASE WHEN rank = 1 THEN amount - shared ELSE 0 END ELSE amount END AS amount,
       currency,
       CASE WHEN total > 0 THEN measure ELSE 'unallocated' END AS basis
FROM allocated
WHERE total > 0 OR rank = 1;
COMMENT ON VIEW analytics.cost_allocation IS
  'Each day''s cost per organization, project and line item, split over the usage it priced down to model, API key and user (basis: the usage measure; unallocated: no usage to carry it). Sums exactly to analytics.costs.';

-- Allocated cost per UTC month and API key, with the key's name and project: what a shared
-- project's owners ask first. Unallocated cost and usage without a key are under a NULL key.
CREATE OR REPLACE VIEW analytics.api_key_spend AS
SELECT a.organization_id, date_trunc('month', a.day)::date AS month, a.api_key_id, k.name AS api_key_name,
       a.project_id, p.name AS project_name, a.currency, sum(a.amount) AS amount
FROM analytics.cost_allocation a
LEFT JOIN warehouse.dim_api_key k ON k.natural_id = a.api_key_id
LEFT JOIN warehouse.dim_project p ON p.natural_id = a.project_id
GROUP BY 1, 2, 3, 4, 5, 6, 7;
COMMENT ON VIEW analytics.api_key_spend IS 'Allocated cost per UTC month, API key and project, in each currency.';

GRANT EXECUTE ON FUNCTION analytics.line_item_rule(text) TO usage_etl_analyst;
GRANT SELECT ON analytics.priced_quantities, analytics.cost_allocation, analytics.api_key_spend TO usage_etl_analyst;
