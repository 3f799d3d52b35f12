-- Code interpreter sessions per UTC day (1d streams) and project, with the project's name.
-- (First in 007_analyst_views.sql; this text from 011_named_dimensions.sql.)

CREATE OR REPLACE VIEW analytics.daily_code_interpreter_sessions AS
SELECT v.*, p.name AS project_name, o.name AS organization_name
FROM (
    SELECT organization_id, (bucket_start AT TIME ZONE 'UTC')::date AS day, project_id, sum(num_sessions) AS num_sessions
    FROM analytics.code_interpreter_sessions_usage WHERE bucket_width = '1d'
    GROUP BY 1, 2, 3
) v
LEFT JOIN warehouse.dim_project p ON p.natural_id = v.project_id
LEFT JOIN warehouse.dim_organization o ON o.natural_id = v.organization_id;

GRANT SELECT ON analytics.daily_code_interpreter_sessions TO usage_etl_analyst;
