-- Dimensions. Each has a surrogate key, a unique natural id, and two reserved members so
-- that fact keys are never NULL and unique constraints really dedupe:
--   key  0  'not grouped'  the request did not group by this dimension
--   key -1  'none'         the API grouped by it and answered null
CREATE FUNCTION warehouse.dimension_kind_ok(key integer, natural_id text, kind text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE key WHEN 0 THEN kind = 'not_grouped' AND natural_id IS NULL
                    WHEN -1 THEN kind = 'none' AND natural_id IS NULL
                    ELSE kind = 'value' AND natural_id IS NOT NULL END
$$;

-- organization
CREATE TABLE warehouse.dim_organization (
    organization_key  integer PRIMARY KEY,
    natural_id  text UNIQUE,
    kind        text NOT NULL,
    name        text,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    CHECK (warehouse.dimension_kind_ok(organization_key, natural_id, kind))
);
CREATE SEQUENCE warehouse.dim_organization_seq START 1 OWNED BY warehouse.dim_organization.organization_key;
ALTER TABLE warehouse.dim_organization ALTER COLUMN organization_key SET DEFAULT nextval('warehouse.dim_organization_seq');
INSERT INTO warehouse.dim_organization (organization_key, natural_id, kind) VALUES (0, NULL, 'not_grouped'), (-1, NULL, 'none');

-- project
CREATE TABLE warehouse.dim_project (
    project_key  integer PRIMARY KEY,
    natural_id  text UNIQUE,
    kind        text NOT NULL,
    name        text,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    CHECK (warehouse.dimension_kind_ok(project_key, natural_id, kind))
);
CREATE SEQUENCE warehouse.dim_project_seq START 1 OWNED BY warehouse.dim_project.project_key;
ALTER TABLE warehouse.dim_project ALTER COLUMN project_key SET DEFAULT nextval('warehouse.dim_project_seq');
INSERT INTO warehouse.dim_project (project_key, natural_id, kind) VALUES (0, NULL, 'not_grouped'), (-1, NULL, 'none');

-- API key
CREATE TABLE warehouse.dim_api_key (
    api_key_key  integer PRIMARY KEY,
    natural_id  text UNIQUE,
    kind        text NOT NULL,
    name        text,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    CHECK (warehouse.dimension_kind_ok(api_key_key, natural_id, kind))
);
CREATE SEQUENCE warehouse.dim_api_key_seq START 1 OWNED BY warehouse.dim_api_key.api_key_key;
ALTER TABLE warehouse.dim_api_key ALTER COLUMN api_key_key SET DEFAULT nextval('warehouse.dim_api_key_seq');
INSERT INTO warehouse.dim_api_key (api_key_key, natural_id, kind) VALUES (0, NULL, 'not_grouped'), (-1, NULL, 'none');

-- user
CREATE TABLE warehouse.dim_user (
    user_key  integer PRIMARY KEY,
    natural_id  text UNIQUE,
    kind        text NOT NULL,
    name        text,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    CHECK (warehouse.dimension_kind_ok(user_key, natural_id, kind))
);
CREATE SEQUENCE warehouse.dim_user_seq START 1 OWNED BY warehouse.dim_user.user_key;
ALTER TABLE warehouse.dim_user ALTER COLUMN user_key SET DEFAULT nextval('warehouse.dim_user_seq');
INSERT INTO warehouse.dim_user (user_key, natural_id, kind) VALUES (0, NULL, 'not_grouped'), (-1, NULL, 'none');

-- model
CREATE TABLE warehouse.dim_model (
    model_key  integer PRIMARY KEY,
    natural_id  text UNIQUE,
    kind        text NOT NULL,
    name        text,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    CHECK (warehouse.dimension_kind_ok(model_key, natural_id, kind))
);
CREATE SEQUENCE warehouse.dim_model_seq START 1 OWNED BY warehouse.dim_model.model_key;
ALTER TABLE warehouse.dim_model ALTER COLUMN model_key SET DEFAULT nextval('warehouse.dim_model_seq');
INSERT INTO warehouse.dim_model (model_key, natural_id, kind) VALUES (0, NULL, 'not_grouped'), (-1, NULL, 'none');

-- batch flag
CREATE TABLE warehouse.dim_batch (
    batch_key  integer PRIMARY KEY,
    natural_id  text UNIQUE,
    kind        text NOT NULL,
    name        text,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    CHECK (warehouse.dimension_kind_ok(batch_key, natural_id, kind))
);
CREATE SEQUENCE warehouse.dim_batch_seq START 1 OWNED BY warehouse.dim_batch.batch_key;
ALTER TABLE warehouse.dim_batch ALTER COLUMN batch_key SET DEFAULT nextval('warehouse.dim_batch_seq');
INSERT INTO warehouse.dim_batch (batch_key, natural_id, kind) VALUES (0, NULL, 'not_grouped'), (-1, NULL, 'none');

-- service tier
CREATE TABLE warehouse.dim_service_tier (
    service_tier_key  integer PRIMARY KEY,
    natural_id  text UNIQUE,
    kind        text NOT NULL,
    name        text,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    CHECK (warehouse.dimension_kind_ok(service_tier_key, natural_id, kind))
);
CREATE SEQUENCE warehouse.dim_service_tier_seq START 1 OWNED BY warehouse.dim_service_tier.service_tier_key;
ALTER TABLE warehouse.dim_service_tier ALTER COLUMN service_tier_key SET DEFAULT nextval('warehouse.dim_service_tier_seq');
INSERT INTO warehouse.dim_service_tier (service_tier_key, natural_id, kind) VALUES (0, NULL, 'not_grouped'), (-1, NULL, 'none');

-- image size
CREATE TABLE warehouse.dim_image_size (
    image_size_key  integer PRIMARY KEY,
    natural_id  text UNIQUE,
    kind        text NOT NULL,
    name        text,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    CHECK (warehouse.dimension_kind_ok(image_size_key, natural_id, kind))
);
CREATE SEQUENCE warehouse.dim_image_size_seq START 1 OWNED BY warehouse.dim_image_size.image_size_key;
ALTER TABLE warehouse.dim_image_size ALTER COLUMN image_size_key SET DEFAULT nextval('warehouse.dim_image_size_seq');
INSERT INTO warehouse.dim_image_size (image_size_key, natural_id, kind) VALUES (0, NULL, 'not_grouped'), (-1, NULL, 'none');

-- image source
CREATE TABLE warehouse.dim_image_source (
    image_source_key  integer PRIMARY KEY,
    natural_id  text UNIQUE,
    kind        text NOT NULL,
    name        text,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    CHECK (warehouse.dimension_kind_ok(image_source_key, natural_id, kind))
);
CREATE SEQUENCE warehouse.dim_image_source_seq START 1 OWNED BY warehouse.dim_image_source.image_source_key;
ALTER TABLE warehouse.dim_image_source ALTER COLUMN image_source_key SET DEFAULT nextval('warehouse.dim_image_source_seq');
INSERT INTO warehouse.dim_image_source (image_source_key, natural_id, kind) VALUES (0, NULL, 'not_grouped'), (-1, NULL, 'none');

-- web search context level
CREATE TABLE warehouse.dim_context_level (
    context_level_key  integer PRIMARY KEY,
    natural_id  text UNIQUE,
    kind        text NOT NULL,
    name        text,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    CHECK (warehouse.dimension_kind_ok(context_level_key, natural_id, kind))
);
CREATE SEQUENCE warehouse.dim_context_level_seq START 1 OWNED BY warehouse.dim_context_level.context_level_key;
ALTER TABLE warehouse.dim_context_level ALTER COLUMN context_level_key SET DEFAULT nextval('warehouse.dim_context_level_seq');
INSERT INTO warehouse.dim_context_level (context_level_key, natural_id, kind) VALUES (0, NULL, 'not_grouped'), (-1, NULL, 'none');

-- vector store
CREATE TABLE warehouse.dim_vector_store (
    vector_store_key  integer PRIMARY KEY,
    natural_id  text UNIQUE,
    kind        text NOT NULL,
    name        text,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    CHECK (warehouse.dimension_kind_ok(vector_store_key, natural_id, kind))
);
CREATE SEQUENCE warehouse.dim_vector_store_seq START 1 OWNED BY warehouse.dim_vector_store.vector_store_key;
ALTER TABLE warehouse.dim_vector_store ALTER COLUMN vector_store_key SET DEFAULT nextval('warehouse.dim_vector_store_seq');
INSERT INTO warehouse.dim_vector_store (vector_store_key, natural_id, kind) VALUES (0, NULL, 'not_grouped'), (-1, NULL, 'none');

-- cost line item
CREATE TABLE warehouse.dim_line_item (
    line_item_key  integer PRIMARY KEY,
    natural_id  text UNIQUE,
    kind        text NOT NULL,
    name        text,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    CHECK (warehouse.dimension_kind_ok(line_item_key, natural_id, kind))
);
CREATE SEQUENCE warehouse.dim_line_item_seq START 1 OWNED BY warehouse.dim_line_item.line_item_key;
ALTER TABLE warehouse.dim_line_item ALTER COLUMN line_item_key SET DEFAULT nextval('warehouse.dim_line_item_seq');
INSERT INTO warehouse.dim_line_item (line_item_key, natural_id, kind) VALUES (0, NULL, 'not_grouped'), (-1, NULL, 'none');
