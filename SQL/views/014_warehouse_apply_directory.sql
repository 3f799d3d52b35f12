-- The directory refresh: warehouse.apply_directory writes one organization's complete listing of
-- projects, users, API keys and service accounts into the dimensions (the columns and tables it
-- writes are in 011_named_dimensions.sql).
-- (From 011_named_dimensions.sql.)

-- Applies a complete directory listing of one organization, given as
-- {"projects": [{id, name, created_at, archived_at, status}], "users": [{id, name, email, role, added_at}],
--  "api_keys": [{id, project_id, name, created_at, last_used_at, owner_type, owner_id, owner_name}],
--  "service_accounts": [{id, project_id, name, role, created_at}]} (times in Unix seconds).
-- Entries of the organization listed before and missing now are marked deleted (keys, service
-- accounts) or removed (users); the caller must pass only complete listings.
CREATE OR REPLACE FUNCTION warehouse.apply_directory(p_organization text, p_directory jsonb)
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

