-- Spend per UTC day, month and the current month, by project and line item, in each currency,
-- from the daily (1d) costs streams, with the project's name. All times are UTC.
-- Names next to ids: the current name of each id from the dimensions (columns appended in 011;
-- the earlier ones are unchanged).
-- (First in 007_analyst_views.sql with their comments; this text from 011_named_dimensions.sql.)

CREATE OR REPLACE VIEW analytics.daily_spend AS
SELECT v.*, p.name AS project_name, o.name AS organization_name
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
LEFT JOIN warehouse.dim_project p ON p.natural_id = v.project_id
LEFT JOIN warehouse.dim_organization o ON o.natural_id = v.organization_id;
COMMENT ON VIEW analytics.daily_spend IS 'Spend per UTC day, project and line item, in each currency.';

CREATE OR REPLACE VIEW analytics.monthly_spend AS
SELECT organization_id,
       date_trunc('month', day)::date AS month,
       project_id,
       line_item,
       currency,
       sum(amount) AS amount,
       project_name,
       organization_name
FROM analytics.daily_spend
GROUP BY 1, 2, 3, 4, 5, 7, 8;
COMMENT ON VIEW analytics.monthly_spend IS 'Spend per UTC month, project and line item, in each currency.';

CREATE OR REPLACE VIEW analytics.month_to_date_spend AS
SELECT organization_id,
       date_trunc('month', now() AT TIME ZONE 'UTC')::date AS month,
       project_id,
       currency,
       sum(amount) AS amount,
       project_name,
       organization_name
FROM analytics.daily_spend
WHERE day >= date_trunc('month', now() AT TIME ZONE 'UTC')::date
GROUP BY 1, 2, 3, 4, 6, 7;
COMMENT ON VIEW analytics.month_to_date_spend IS 'Spend of the current UTC month so far, per project.';

GRANT SELECT ON analytics.daily_spend, analytics.monthly_spend, analytics.month_to_date_spend TO usage_etl_analyst;
