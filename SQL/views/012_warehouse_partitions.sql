-- Partitions of the fact tables: warehouse.ensure_month_partitions creates the month partitions a
-- load needs before it writes (fact tables are in 005_facts.sql).
-- (First in 005_facts.sql; this text from 010_partition_creation_lock.sql.)

-- Two workers loading the same fact table could both find a month partition missing and both
-- create it; the second failed with "relation already exists". Creating a partition now takes a
-- transaction-level advisory lock per fact table first and checks the catalog again once it holds it, so the
-- second worker waits for the first to commit and then finds the partition there. The lock is only
-- taken when a partition is missing (about once a month per table).
CREATE OR REPLACE FUNCTION warehouse.ensure_month_partitions(parent text, from_ts timestamptz, to_ts timestamptz)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    month_start timestamptz := date_trunc('month', from_ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    created integer := 0;
    child text;
BEGIN
    WHILE month_start < to_ts LOOP
        child := parent || '_' || to_char(month_start AT TIME ZONE 'UTC', 'YYYYMM');
        IF to_regclass('warehouse.' || child) IS NULL THEN
            PERFORM pg_advisory_xact_lock(7403, hashtext(parent));
            -- Asked again with a fresh snapshot (to_regclass would answer from a cache that has
            -- not yet seen the other worker's commit).
            IF NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                           WHERE n.nspname = 'warehouse' AND c.relname = child) THEN
                EXECUTE format('CREATE TABLE warehouse.%I PARTITION OF warehouse.%I FOR VALUES FROM (%L) TO (%L)',
                               child, parent, month_start,
                               (month_start AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC');
                EXECUTE format('REVOKE ALL ON warehouse.%I FROM PUBLIC', child);
                created := created + 1;
            END IF;
        END IF;
        month_start := (month_start AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC';
    END LOOP;
    RETURN created;
END
$$;
