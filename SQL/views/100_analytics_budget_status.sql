-- Budget status (budgets are the table analytics.budgets, in 007_analyst_views.sql).
-- (budget_status_at from 007_analyst_views.sql; budget_status from 012_budget_project_names.sql.)

-- Budget status at a moment (the view uses now()): spend to date in the moment's UTC month, a
-- linear projection to month end, the daily allowance left, and normal / warning / critical / over.
CREATE OR REPLACE FUNCTION analytics.budget_status_at(at timestamptz)
RETURNS TABLE (budget_id integer, name text, organization_id text, scope text, project_id text, currency text,
               month date, monthly_amount numeric, spend_to_date numeric, projected_month_end numeric,
               remaining_daily_allowance numeric, used_fraction numeric, status text)
LANGUAGE sql STABLE
AS $$
    WITH clock AS MATERIALIZED (
        SELECT date_trunc('month', at AT TIME ZONE 'UTC') AS month_start,
               date_trunc('month', at AT TIME ZONE 'UTC') + interval '1 month' AS month_end,
               at AT TIME ZONE 'UTC' AS moment
    ), month_spend AS MATERIALIZED (
        SELECT s.organization_id, s.project_id, s.currency, sum(s.amount) AS amount
        FROM analytics.daily_spend s CROSS JOIN clock c
        WHERE s.day >= c.month_start::date AND s.day < c.moment::date + 1
        GROUP BY 1, 2, 3
    ), figures AS (
        SELECT b.*, c.month_start::date AS month,
               coalesce((SELECT sum(m.amount) FROM month_spend m
                         WHERE m.currency = b.currency
                           AND (b.organization_id IS NULL OR m.organization_id = b.organization_id)
                           AND (b.scope = 'organization' OR m.project_id = b.project_id)), 0) AS spend,
               greatest(extract(epoch FROM c.moment - c.month_start) / 86400, 1.0 / 24) AS days_elapsed,
               extract(epoch FROM c.month_end - c.month_start) / 86400 AS days_in_month,
               greatest(extract(epoch FROM c.month_end - c.moment) / 86400, 0) AS days_left
        FROM analytics.budgets b CROSS JOIN clock c
    )
    SELECT budget_id, name, organization_id, scope, project_id, currency, month, monthly_amount,
           spend AS spend_to_date,
           round(spend / days_elapsed::numeric * days_in_month::numeric, 2) AS projected_month_end,
           round(greatest(monthly_amount - spend, 0) / greatest(days_left::numeric, 1), 2) AS remaining_daily_allowance,
           round(spend / monthly_amount, 4) AS used_fraction,
           CASE WHEN spend > monthly_amount THEN 'over'
                WHEN spend >= critical_threshold * monthly_amount THEN 'critical'
                WHEN spend >= warning_threshold * monthly_amount
                  OR spend / days_elapsed::numeric * days_in_month::numeric > monthly_amount THEN 'warning'
                ELSE 'normal' END AS status
    FROM figures
$$;

-- Budgets name their project next to its id, like the other analyst views since 011 (column
-- appended; the existing ones are unchanged). Organization-wide budgets have no project: NULL.
CREATE OR REPLACE VIEW analytics.budget_status AS
SELECT s.*, p.name AS project_name, o.name AS organization_name
FROM analytics.budget_status_at(now()) s
LEFT JOIN warehouse.dim_project p ON p.natural_id = s.project_id
LEFT JOIN warehouse.dim_organization o ON o.natural_id = s.organization_id;
COMMENT ON VIEW analytics.budget_status IS
  'Each budget this UTC month: spend to date, linear projection, remaining daily allowance, status normal/warning/critical/over (warning also when the projection exceeds the budget), and the project''s name for project budgets.';

GRANT EXECUTE ON FUNCTION analytics.budget_status_at(timestamptz) TO usage_etl_analyst;
GRANT SELECT ON analytics.budget_status TO usage_etl_analyst;
