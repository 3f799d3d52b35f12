-- Named dimensions: what the Admin API's list endpoints say about the ids usage reports (projects,
-- archived ones included; users; project API keys; service accounts), kept current by each
-- directory refresh (`usage-etl dimensions`, and `sync` unless --skip-dimensions).
--
-- The dimension rows keep the current name and state (type 1); every rename, archiving, deletion
-- or removal seen between two refreshes is also written to warehouse.directory_changes.
-- `listed_at` is the last refresh that listed an entry: NULL for ids known only from usage.

ALTER TABLE warehouse.dim_project
    ADD COLUMN organization_id text,
    ADD COLUMN created_at      timestamptz,
    ADD COLUMN archived_at     timestamptz,
    ADD COLUMN status          text,
    ADD COLUMN listed_at       timestamptz;

ALTER TABLE warehouse.dim_user
    ADD COLUMN organization_id text,
    ADD COLUMN email           text,
    ADD COLUMN role            text,
    ADD COLUMN added_at        timestamptz,
    ADD COLUMN listed_at       timestamptz,
    ADD COLUMN removed_at      timestamptz;

ALTER TABLE warehouse.dim_api_key
    ADD COLUMN organization_id text,
    ADD COLUMN project_id      text,
    ADD COLUMN owner_type      text,
    ADD COLUMN owner_id        text,
    ADD COLUMN owner_name      text,
    ADD COLUMN created_at      timestamptz,
    ADD COLUMN last_used_at    timestamptz,
    ADD COLUMN listed_at       timestamptz,
    ADD COLUMN deleted_at      timestamptz;

-- Usage never groups by service account, so this is a plain table rather than a dimension.
CREATE TABLE warehouse.service_accounts (
    service_account_id text PRIMARY KEY,
    organization_id    text NOT NULL,
    project_id         text NOT NULL,
    name               text,
    role               text,
    created_at         timestamptz,
    listed_at          timestamptz NOT NULL,
    deleted_at         timestamptz
);

CREATE TABLE warehouse.directory_changes (
    change_id       bigserial PRIMARY KEY,
    changed_at      timestamptz NOT NULL,  -- when the refresh noticed it
    organization_id text NOT NULL,
    entity          text NOT NULL CHECK (entity IN ('project', 'user', 'api_key', 'service_account')),
    entity_id       text NOT NULL,
    change          text NOT NULL CHECK (change IN ('renamed', 'archived', 'unarchived', 'deleted', 'removed', 'restored')),
    old_value       text,
    new_value       text
);
CREATE INDEX directory_changes_entity ON warehouse.directory_changes (entity, entity_id);

CREATE TABLE etl.directory_refreshes (
    refresh_id       bigserial PRIMARY KEY,
    organization_id  text NOT NULL,
    started_at       timestamptz NOT NULL,
    finished_at      timestamptz NOT NULL DEFAULT now(),
    outcome          text NOT NULL CHECK (outcome IN ('succeeded', 'failed')),
    requests         integer NOT NULL,
    projects         integer,
    users            integer,
    api_keys         integer,
    service_accounts integer,
    changes          integer,
    error            text
);
REVOKE ALL ON warehouse.service_accounts, warehouse.directory_changes, etl.directory_refreshes FROM PUBLIC;

-- Applies a complete directory listing of one organization, given as
-- {"projects": [{id, name, created_at, archived_at, status}], "users": [{id, name, email, role, added_at}],
--  "api_keys": [{id, project_id, name, created_at, last_used_at, owner_type, owner_id, owner_name}],
--  "service_accounts": [{id, project_id, name, role, created_at}]} (times in Unix seconds).
-- Entries of the organization listed before and missing now are marked deleted (keys, service
-- accounts) or removed (users); the caller must pass only complete listings.
CREATE FUNCTION warehouse.apply_directory(p_organization text, p_directory jsonb)
RETURNS integer  -- changes recorded
LANGUAGE plpgsql AS $$
DECLARE
    v_at timestamptz := now();
    v_changes integer := 0;
    v_count integer;
BEGIN
    -- One refresh of an organization at a time, so each change is recorded once (the same lock
    -- DirectoryRefresh holds while it reads the directory).
    PERFORM pg_advisory_xact_lock(hashtext('usage-etl directory'), hashtext(p_organization));

    -- Projects ---------------------------------------------------------------------------------
    DROP TABLE IF EXISTS incoming_projects;
    CREATE TEMP TABLE incoming_projects ON COMMIT DROP AS
    SELECT id, name, to_timestamp(created_at) AS created_at, to_timestamp(archived_at) AS archived_at,
           coalesce(status, CASE WHEN archived_at IS NULL THEN 'active' ELSE 'archived' END) AS status
    FROM jsonb_to_recordset(coalesce(p_directory->'projects', '[]')) AS x(id text, name text, created_at bigint, archived_at bigint, status text);

    INSERT INTO warehouse.directory_changes (changed_at, organization_id, entity, entity_id, change, old_value, new_value)
    SELECT v_at, p_organization, 'project', i.id, c.change, c.old_value, c.new_value
    FROM incoming_projects i
    JOIN warehouse.dim_project d ON d.natural_id = i.id AND d.listed_at IS NOT NULL
    CROSS JOIN LATERAL (VALUES
        ('renamed', d.name, i.name, d.name IS DISTINCT FROM i.name),
        ('archived', NULL, i.archived_at::text, d.archived_at IS NULL AND i.archived_at IS NOT NULL),
        ('unarchived', d.archived_at::text, NULL, d.archived_at IS NOT NULL AND i.archived_at IS NULL)
    ) AS c(change, old_value, new_value, happened)
    WHERE c.happened;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_changes := v_changes + v_count;

    INSERT INTO warehouse.dim_project AS d (natural_id, kind, name, organization_id, created_at, archived_at, status, listed_at)
    SELECT id, 'value', name, p_organization, created_at, archived_at, status, v_at FROM incoming_projects ORDER BY id
    ON CONFLICT (natural_id) DO UPDATE
    SET name = excluded.name, organization_id = excluded.organization_id, created_at = excluded.created_at,
        archived_at = excluded.archived_at, status = excluded.status, listed_at = excluded.listed_at;

    -- Users ------------------------------------------------------------------------------------
    DROP TABLE IF EXISTS incoming_users;
    CREATE TEMP TABLE incoming_users ON COMMIT DROP AS
    SELECT id, name, email, role, to_timestamp(added_at) AS added_at
    FROM jsonb_to_recordset(coalesce(p_directory->'users', '[]')) AS x(id text, name text, email text, role text, added_at bigint);

    INSERT INTO warehouse.directory_changes (changed_at, organization_id, entity, entity_id, change, old_value, new_value)
    SELECT v_at, p_organization, 'user', i.id, c.change, c.old_value, c.new_value
    FROM incoming_users i
    JOIN warehouse.dim_user d ON d.natural_id = i.id AND d.listed_at IS NOT NULL
    CROSS JOIN LATERAL (VALUES
        ('renamed', d.name, i.name, d.name IS DISTINCT FROM i.name),
        ('restored', NULL, NULL, d.removed_at IS NOT NULL)
    ) AS c(change, old_value, new_value, happened)
    WHERE c.happened;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_changes := v_changes + v_count;

    WITH gone AS (
        UPDATE warehouse.dim_user d SET removed_at = v_at
        WHERE d.organization_id = p_organization AND d.listed_at IS NOT NULL AND d.removed_at IS NULL
          AND NOT EXISTS (SELECT FROM incoming_users i WHERE i.id = d.natural_id)
        RETURNING d.natural_id AS id, d.name
    )
    INSERT INTO warehouse.directory_changes (changed_at, organization_id, entity, entity_id, change, old_value, new_value)
    SELECT v_at, p_organization, 'user', id, 'removed', name, NULL FROM gone;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_changes := v_changes + v_count;

    INSERT INTO warehouse.dim_user AS d (natural_id, kind, name, organization_id, email, role, added_at, listed_at, removed_at)
    SELECT id, 'value', name, p_organization, email, role, added_at, v_at, NULL FROM incoming_users ORDER BY id
    ON CONFLICT (natural_id) DO UPDATE
    SET name = excluded.name, organization_id = excluded.organization_id, email = excluded.email, role = excluded.role,
        added_at = excluded.added_at, listed_at = excluded.listed_at, removed_at = NULL;

    -- API keys ---------------------------------------------------------------------------------
    DROP TABLE IF EXISTS incoming_api_keys;
    CREATE TEMP TABLE incoming_api_keys ON COMMIT DROP AS
    SELECT id, project_id, name, to_timestamp(created_at) AS created_at, to_timestamp(last_used_at) AS last_used_at,
           owner_type, owner_id, owner_name
    FROM jsonb_to_recordset(coalesce(p_directory->'api_keys', '[]'))
         AS x(id text, project_id text, name text, created_at bigint, last_used_at bigint, owner_type text, owner_id text, owner_name text);

    INSERT INTO warehouse.directory_changes (changed_at, organization_id, entity, entity_id, change, old_value, new_value)
    SELECT v_at, p_organization, 'api_key', i.id, c.change, c.old_value, c.new_value
    FROM incoming_api_keys i
    JOIN warehouse.dim_api_key d ON d.natural_id = i.id AND d.listed_at IS NOT NULL
    CROSS JOIN LATERAL (VALUES
        ('renamed', d.name, i.name, d.name IS DISTINCT FROM i.name),
        ('restored', NULL, NULL, d.deleted_at IS NOT NULL)
    ) AS c(change, old_value, new_value, happened)
    WHERE c.happened;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_changes := v_changes + v_count;

    WITH gone AS (
        UPDATE warehouse.dim_api_key d SET deleted_at = v_at
        WHERE d.organization_id = p_organization AND d.listed_at IS NOT NULL AND d.deleted_at IS NULL
          AND NOT EXISTS (SELECT FROM incoming_api_keys i WHERE i.id = d.natural_id)
        RETURNING d.natural_id AS id, d.name
    )
    INSERT INTO warehouse.directory_changes (changed_at, organization_id, entity, entity_id, change, old_value, new_value)
    SELECT v_at, p_organization, 'api_key', id, 'deleted', name, NULL FROM gone;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_changes := v_changes + v_count;

    INSERT INTO warehouse.dim_api_key AS d (natural_id, kind, name, organization_id, project_id, owner_type, owner_id, owner_name,
                                            created_at, last_used_at, listed_at, deleted_at)
    SELECT id, 'value', name, p_organization, project_id, owner_type, owner_id, owner_name, created_at, last_used_at, v_at, NULL
    FROM incoming_api_keys ORDER BY id
    ON CONFLICT (natural_id) DO UPDATE
    SET name = excluded.name, organization_id = excluded.organization_id, project_id = excluded.project_id,
        owner_type = excluded.owner_type, owner_id = excluded.owner_id, owner_name = excluded.owner_name,
        created_at = excluded.created_at, last_used_at = excluded.last_used_at, listed_at = excluded.listed_at, deleted_at = NULL;

    -- Service accounts -------------------------------------------------------------------------
    DROP TABLE IF EXISTS incoming_service_accounts;
    CREATE TEMP TABLE incoming_service_accounts ON COMMIT DROP AS
    SELECT id, project_id, name, role, to_timestamp(created_at) AS created_at
    FROM jsonb_to_recordset(coalesce(p_directory->'service_accounts', '[]'))
         AS x(id text, project_id text, name text, role text, created_at bigint);

    INSERT INTO warehouse.directory_changes (changed_at, organization_id, entity, entity_id, change, old_value, new_value)
    SELECT v_at, p_organization, 'service_account', i.id, c.change, c.old_value, c.new_value
    FROM incoming_service_accounts i
    JOIN warehouse.service_accounts s ON s.service_account_id = i.id
    CROSS JOIN LATERAL (VALUES
        ('renamed', s.name, i.name, s.name IS DISTINCT FROM i.name),
        ('restored', NULL, NULL, s.deleted_at IS NOT NULL)
    ) AS c(change, old_value, new_value, happened)
    WHERE c.happened;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_changes := v_changes + v_count;

    WITH gone AS (
        UPDATE warehouse.service_accounts s SET deleted_at = v_at
        WHERE s.organization_id = p_organization AND s.deleted_at IS NULL
          AND NOT EXISTS (SELECT FROM incoming_service_accounts i WHERE i.id = s.service_account_id)
        RETURNING s.service_account_id AS id, s.name
    )
    INSERT INTO warehouse.directory_changes (changed_at, organization_id, entity, entity_id, change, old_value, new_value)
    SELECT v_at, p_organization, 'service_account', id, 'deleted', name, NULL FROM gone;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_changes := v_changes + v_count;

    INSERT INTO warehouse.service_accounts AS s (service_account_id, organization_id, project_id, name, role, created_at, listed_at)
    SELECT id, p_organization, project_id, name, role, created_at, v_at FROM incoming_service_accounts
    ON CONFLICT (service_account_id) DO UPDATE
    SET organization_id = excluded.organization_id, project_id = excluded.project_id, name = excluded.name,
        role = excluded.role, created_at = excluded.created_at, listed_at = excluded.listed_at, deleted_at = NULL;

    RETURN v_changes;
END
$$;

-- Directory views ------------------------------------------------------------------------------
-- status: 'active' / 'archived' (projects), 'removed' (users), 'deleted' (keys, service accounts),
-- 'unlisted' for ids seen in usage that no refresh has listed (none has run, or it was gone before).

CREATE VIEW analytics.projects AS
SELECT natural_id AS project_id, name,
       CASE WHEN listed_at IS NULL THEN 'unlisted' ELSE status END AS status,
       created_at, archived_at, organization_id, listed_at
FROM warehouse.dim_project WHERE kind = 'value';
COMMENT ON VIEW analytics.projects IS 'Every project id known to the warehouse, with its current name and status (archived ones included).';

CREATE VIEW analytics.users AS
SELECT natural_id AS user_id, name, email, role,
       CASE WHEN listed_at IS NULL THEN 'unlisted' WHEN removed_at IS NOT NULL THEN 'removed' ELSE 'active' END AS status,
       added_at, removed_at, organization_id, listed_at
FROM warehouse.dim_user WHERE kind = 'value';
COMMENT ON VIEW analytics.users IS 'Every user id known to the warehouse, with name, email and role; removed users keep their last name.';

CREATE VIEW analytics.api_keys AS
SELECT k.natural_id AS api_key_id, k.name,
       CASE WHEN k.listed_at IS NULL THEN 'unlisted' WHEN k.deleted_at IS NOT NULL THEN 'deleted' ELSE 'active' END AS status,
       k.project_id, p.name AS project_name, k.owner_type, k.owner_id, k.owner_name,
       k.created_at, k.last_used_at, k.deleted_at, k.organization_id, k.listed_at
FROM warehouse.dim_api_key k
LEFT JOIN warehouse.dim_project p ON p.natural_id = k.project_id
WHERE k.kind = 'value';
COMMENT ON VIEW analytics.api_keys IS 'Every API key id known to the warehouse, with its name, project and owner; deleted keys keep their last name.';

CREATE VIEW analytics.service_accounts AS
SELECT s.service_account_id, s.name, CASE WHEN s.deleted_at IS NOT NULL THEN 'deleted' ELSE 'active' END AS status,
       s.project_id, p.name AS project_name, s.role, s.created_at, s.deleted_at, s.organization_id, s.listed_at
FROM warehouse.service_accounts s
LEFT JOIN warehouse.dim_project p ON p.natural_id = s.project_id;
COMMENT ON VIEW analytics.service_accounts IS 'Service accounts of every listed project, deleted ones included.';

CREATE VIEW analytics.directory_changes AS
SELECT change_id, changed_at, organization_id, entity, entity_id, change, old_value, new_value
FROM warehouse.directory_changes;
COMMENT ON VIEW analytics.directory_changes IS 'Renames, archivings, deletions and removals, as each directory refresh noticed them.';

-- Names next to ids in the analyst views (columns appended; the existing ones are unchanged) ----

CREATE OR REPLACE VIEW analytics.daily_spend AS
SELECT v.*, p.name AS project_name
FROM (
    SELECT organization_id,
           (bucket_start AT TIME ZONE 'UTC')::date AS day,
           project_id,
           line_item,
           currency,
           sum(amount) AS amount
    FROM analytics.costs
    WHERE bucket_width = '1d'
    GROUP BY 1, 2, 3, 4, 5
) v
LEFT JOIN warehouse.dim_project p ON p.natural_id = v.project_id;

CREATE OR REPLACE VIEW analytics.monthly_spend AS
SELECT organization_id,
       date_trunc('month', day)::date AS month,
       project_id,
       line_item,
       currency,
       sum(amount) AS amount,
       project_name
FROM analytics.daily_spend
GROUP BY 1, 2, 3, 4, 5, 7;

CREATE OR REPLACE VIEW analytics.month_to_date_spend AS
SELECT organization_id,
       date_trunc('month', now() AT TIME ZONE 'UTC')::date AS month,
       project_id,
       currency,
       sum(amount) AS amount,
       project_name
FROM analytics.daily_spend
WHERE day >= date_trunc('month', now() AT TIME ZONE 'UTC')::date
GROUP BY 1, 2, 3, 4, 6;

CREATE OR REPLACE VIEW analytics.daily_tokens AS
SELECT v.*, p.name AS project_name, u.name AS user_name, u.email AS user_email, k.name AS api_key_name
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
LEFT JOIN warehouse.dim_api_key k ON k.natural_id = v.api_key_id;

CREATE OR REPLACE VIEW analytics.daily_images AS
SELECT v.*, p.name AS project_name
FROM (
    SELECT organization_id, (bucket_start AT TIME ZONE 'UTC')::date AS day, project_id, model, size, source,
           sum(images) AS images, sum(num_model_requests) AS num_model_requests
    FROM analytics.images_usage WHERE bucket_width = '1d'
    GROUP BY 1, 2, 3, 4, 5, 6
) v
LEFT JOIN warehouse.dim_project p ON p.natural_id = v.project_id;

CREATE OR REPLACE VIEW analytics.daily_audio AS
SELECT v.*, p.name AS project_name
FROM (
    SELECT organization_id, (bucket_start AT TIME ZONE 'UTC')::date AS day, 'audio_speeches'::text AS endpoint, project_id, model,
           sum(characters) AS characters, NULL::bigint AS seconds, sum(num_model_requests) AS num_model_requests
    FROM analytics.audio_speeches_usage WHERE bucket_width = '1d'
    GROUP BY 1, 2, 3, 4, 5
    UNION ALL
    SELECT organization_id, (bucket_start AT TIME ZONE 'UTC')::date, 'audio_transcriptions', project_id, model,
           NULL, sum(seconds), sum(num_model_requests)
    FROM analytics.audio_transcriptions_usage WHERE bucket_width = '1d'
    GROUP BY 1, 2, 3, 4, 5
) v
LEFT JOIN warehouse.dim_project p ON p.natural_id = v.project_id;

CREATE OR REPLACE VIEW analytics.vector_store_storage AS
SELECT v.*, p.name AS project_name
FROM (
    SELECT organization_id, bucket_start, bucket_end, bucket_width, project_id, usage_bytes,
           bucket_start = max(bucket_start) OVER (PARTITION BY organization_id, bucket_width, project_id) AS is_latest
    FROM analytics.vector_stores_usage
) v
LEFT JOIN warehouse.dim_project p ON p.natural_id = v.project_id;

CREATE OR REPLACE VIEW analytics.daily_code_interpreter_sessions AS
SELECT v.*, p.name AS project_name
FROM (
    SELECT organization_id, (bucket_start AT TIME ZONE 'UTC')::date AS day, project_id, sum(num_sessions) AS num_sessions
    FROM analytics.code_interpreter_sessions_usage WHERE bucket_width = '1d'
    GROUP BY 1, 2, 3
) v
LEFT JOIN warehouse.dim_project p ON p.natural_id = v.project_id;

CREATE OR REPLACE VIEW analytics.unit_economics AS
SELECT v.*, p.name AS project_name
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
LEFT JOIN warehouse.dim_project p ON p.natural_id = v.project_id;

CREATE OR REPLACE VIEW analytics.anomalies AS
SELECT v.*, p.name AS project_name
FROM (
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
      AND abs(value - baseline_median) > 0.5 * baseline_median
) v
LEFT JOIN warehouse.dim_project p ON p.natural_id = v.project_id;
