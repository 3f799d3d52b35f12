-- Usage that applications logged themselves (`usage-etl import-local`), and its reconciliation
-- with what the API reports.

-- One row per logged request. A line is identified by its content's SHA-256 and its occurrence
-- among identical lines of its file, so re-importing a file (or a renamed copy) adds nothing and
-- a grown file adds only its new lines.
CREATE TABLE warehouse.local_usage (
    local_usage_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    line_sha256    bytea   NOT NULL,
    occurrence     integer NOT NULL,
    source_file    text    NOT NULL,
    line_number    integer NOT NULL,
    occurred_at    timestamptz NOT NULL,
    model          text    NOT NULL,
    input_tokens   bigint  NOT NULL CHECK (input_tokens >= 0),
    output_tokens  bigint  NOT NULL CHECK (output_tokens >= 0),
    project_id     text,
    user_id        text,
    cost           numeric,
    imported_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (line_sha256, occurrence)
);
CREATE INDEX local_usage_day ON warehouse.local_usage (occurred_at);
REVOKE ALL ON warehouse.local_usage FROM PUBLIC;

-- The tolerance within which local and API figures count as reconciled (a fraction; 0.05 = 5%).
CREATE TABLE analytics.reconciliation_settings (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    tolerance numeric NOT NULL DEFAULT 0.05 CHECK (tolerance >= 0)
);
INSERT INTO analytics.reconciliation_settings DEFAULT VALUES;

-- Per UTC day and model, on days the local logs cover: local vs API tokens, requests and cost,
-- their differences (API minus local) and percentages of the API figure, and `reconciled` when
-- every difference is within the tolerance.
CREATE VIEW analytics.local_reconciliation AS
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

GRANT SELECT ON analytics.reconciliation_settings, analytics.local_reconciliation TO usage_etl_analyst;
