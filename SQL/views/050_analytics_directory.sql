-- Directory views: the ids usage reports, with the names and states the Admin API's list endpoints
-- give them (kept current by each directory refresh; tables in 011_named_dimensions.sql).
-- status: 'active' / 'archived' (projects), 'removed' (users), 'deleted' (keys, service accounts),
-- 'unlisted' for ids seen in usage that no refresh has listed (none has run, or it was gone before).
-- (From 011_named_dimensions.sql.)

CREATE OR REPLACE VIEW analytics.projects AS
SELECT natural_id AS project_id, name,
       CASE WHEN listed_at IS NULL THEN 'unlisted' ELSE status END AS status,
       created_at, archived_at, organization_id, listed_at,
       (SELECT o.name FROM warehouse.dim_organization o WHERE o.natural_id = dim_project.organization_id) AS organization_name
FROM warehouse.dim_project WHERE kind = 'value';
COMMENT ON VIEW analytics.projects IS 'Every project id known to the warehouse, with its current name and status (archived ones included).';

CREATE OR REPLACE VIEW analytics.users AS
SELECT natural_id AS user_id, name, email, role,
       CASE WHEN listed_at IS NULL THEN 'unlisted' WHEN removed_at IS NOT NULL THEN 'removed' ELSE 'active' END AS status,
       added_at, removed_at, organization_id, listed_at,
       (SELECT o.name FROM warehouse.dim_organization o WHERE o.natural_id = dim_user.organization_id) AS organization_name
FROM warehouse.dim_user WHERE kind = 'value';
COMMENT ON VIEW analytics.users IS 'Every user id known to the warehouse, with name, email and role; removed users keep their last name.';

CREATE OR REPLACE VIEW analytics.api_keys AS
SELECT k.natural_id AS api_key_id, k.name,
       CASE WHEN k.listed_at IS NULL THEN 'unlisted' WHEN k.deleted_at IS NOT NULL THEN 'deleted' ELSE 'active' END AS status,
       k.project_id, p.name AS project_name, k.owner_type, k.owner_id, k.owner_name,
       k.created_at, k.last_used_at, k.deleted_at, k.organization_id, k.listed_at, o.name AS organization_name
FROM warehouse.dim_api_key k
LEFT JOIN warehouse.dim_project p ON p.natural_id = k.project_id
LEFT JOIN warehouse.dim_organization o ON o.natural_id = k.organization_id
WHERE k.kind = 'value';
COMMENT ON VIEW analytics.api_keys IS 'Every API key id known to the warehouse, with its name, project and owner; deleted keys keep their last name.';

CREATE OR REPLACE VIEW analytics.service_accounts AS
SELECT s.service_account_id, s.name, CASE WHEN s.deleted_at IS NOT NULL THEN 'deleted' ELSE 'active' END AS status,
       s.project_id, p.name AS project_name, s.role, s.created_at, s.deleted_at, s.organization_id, s.listed_at,
       o.name AS organization_name
FROM warehouse.service_accounts s
LEFT JOIN warehouse.dim_project p ON p.natural_id = s.project_id
LEFT JOIN warehouse.dim_organization o ON o.natural_id = s.organization_id;
COMMENT ON VIEW analytics.service_accounts IS 'Service accounts of every listed project, deleted ones included.';

CREATE OR REPLACE VIEW analytics.directory_changes AS
SELECT change_id, changed_at, organization_id, entity, entity_id, change, old_value, new_value
FROM warehouse.directory_changes;
COMMENT ON VIEW analytics.directory_changes IS 'Renames, archivings, deletions and removals, as each directory refresh noticed them.';

GRANT SELECT ON analytics.projects, analytics.users, analytics.api_keys, analytics.service_accounts,
    analytics.directory_changes TO usage_etl_analyst;
