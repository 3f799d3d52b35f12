-- The costs as FOCUS 1.2 (the FinOps Foundation's FinOps Open Cost and Usage Specification): one
-- row per cost row of analytics.costs, the columns under their specification names (quoted
-- identifiers), every mandatory one and those the data has of the others. README "FOCUS export"
-- says where each value comes from. (New with issue 22.)
CREATE OR REPLACE VIEW analytics.focus_costs AS
SELECT
    c.amount AS "BilledCost",
    c.organization_id AS "BillingAccountId",
    coalesce(o.name, c.organization_id) AS "BillingAccountName",
    -- Mandatory and not null: a cost row without a currency (none seen from the API) is read as USD.
    coalesce(nullif(upper(c.currency), ''), 'USD') AS "BillingCurrency",
    -- OpenAI bills by calendar month (UTC).
    date_trunc('month', c.bucket_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS "BillingPeriodStart",
    (date_trunc('month', c.bucket_start AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC' AS "BillingPeriodEnd",
    CASE WHEN c.line_item ILIKE '%credit%' OR c.amount < 0 THEN 'Credit' ELSE 'Usage' END AS "ChargeCategory",
    -- No row of the Costs API corrects an earlier invoice.
    NULL::text AS "ChargeClass",
    c.line_item AS "ChargeDescription",
    'Usage-Based'::text AS "ChargeFrequency",
    c.bucket_start AS "ChargePeriodStart",
    c.bucket_end AS "ChargePeriodEnd",
    -- The Costs API reports what was billed; no list price or negotiated discount is known apart.
    c.amount AS "ContractedCost",
    c.amount AS "EffectiveCost",
    'OpenAI'::text AS "InvoiceIssuerName",
    c.amount AS "ListCost",
    c.quantity AS "PricingQuantity",
    c.quantity_unit AS "PricingUnit",
    'OpenAI'::text AS "ProviderName",
    'OpenAI'::text AS "PublisherName",
    'AI and Machine Learning'::text AS "ServiceCategory",
    'OpenAI API'::text AS "ServiceName",
    'Generative AI'::text AS "ServiceSubcategory",
    -- Consumption is stated for usage only (not for credits), beside the price it was charged at.
    CASE WHEN c.line_item ILIKE '%credit%' OR c.amount < 0 THEN NULL ELSE c.quantity END AS "ConsumedQuantity",
    CASE WHEN c.line_item ILIKE '%credit%' OR c.amount < 0 THEN NULL ELSE c.quantity_unit END AS "ConsumedUnit",
    c.line_item AS "SkuId",
    c.line_item AS "SkuPriceId",
    c.project_id AS "SubAccountId",
    coalesce(p.name, c.project_id) AS "SubAccountName",
    jsonb_strip_nulls(jsonb_build_object('openai_project_id', c.project_id, 'openai_line_item', c.line_item)) AS "Tags"
FROM analytics.costs c
LEFT JOIN warehouse.dim_organization o ON o.natural_id = c.organization_id
LEFT JOIN warehouse.dim_project p ON p.natural_id = c.project_id
WHERE c.amount IS NOT NULL;
COMMENT ON VIEW analytics.focus_costs IS 'analytics.costs as FOCUS 1.2 columns, one row per cost row.';

GRANT SELECT ON analytics.focus_costs TO usage_etl_analyst;
