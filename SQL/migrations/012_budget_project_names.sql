-- Budgets name their project next to its id, like the other analyst views since 011 (column
-- appended; the existing ones are unchanged). Organization-wide budgets have no project: NULL.
CREATE OR REPLACE VIEW analytics.budget_status AS
SELECT s.*, p.name AS project_name
FROM analytics.budget_status_at(now()) s
LEFT JOIN warehouse.dim_project p ON p.natural_id = s.project_id;
COMMENT ON VIEW analytics.budget_status IS
  'Each budget this UTC month: spend to date, linear projection, remaining daily allowance, status normal/warning/critical/over (warning also when the projection exceeds the budget), and the project''s name for project budgets.';
