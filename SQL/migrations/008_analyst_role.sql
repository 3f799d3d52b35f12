-- The analyst role: reads the analytics schema, nothing else, and writes nothing. NOLOGIN by
-- default; grant it to login roles (GRANT usage_etl_analyst TO alice) or ALTER ROLE … LOGIN.
-- Roles are cluster-wide, so it may exist already (another warehouse database on the server).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'usage_etl_analyst') THEN
        CREATE ROLE usage_etl_analyst NOLOGIN;
    END IF;
END
$$;

-- Nobody but the owner reaches the archive, the ETL state or the raw facts.
REVOKE ALL ON SCHEMA raw, etl, warehouse FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA raw, etl, warehouse FROM PUBLIC;

GRANT USAGE ON SCHEMA analytics TO usage_etl_analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO usage_etl_analyst;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA analytics TO usage_etl_analyst;
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT SELECT ON TABLES TO usage_etl_analyst;
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT EXECUTE ON FUNCTIONS TO usage_etl_analyst;
