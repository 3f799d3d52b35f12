-- The four schemas: raw (compressed response archive), etl (streams, windows, runs),
-- warehouse (dimensions and facts), analytics (views for analysts).
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS etl;
CREATE SCHEMA IF NOT EXISTS warehouse;
CREATE SCHEMA IF NOT EXISTS analytics;
