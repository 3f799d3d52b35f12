-- Images per UTC day (1d streams) by project, model, size and source, with the project's name.
-- (First in 007_analyst_views.sql; this text from 011_named_dimensions.sql.)

CREATE OR REPLACE VIEW analytics.daily_images AS
SELECT v.*, p.name AS project_name, o.name AS organization_name
FROM (
    SELECT organization_id, (bucket_start AT TIME ZONE 'UTC')::date AS day, project_id, model, size, source,
           sum(images) AS images, sum(num_model_requests) AS num_model_requests
    FROM analytics.images_usage WHERE bucket_width = '1d'
    GROUP BY 1, 2, 3, 4, 5, 6
) v
LEFT JOIN warehouse.dim_project p ON p.natural_id = v.project_id
LEFT JOIN warehouse.dim_organization o ON o.natural_id = v.organization_id;

GRANT SELECT ON analytics.daily_images TO usage_etl_analyst;
