-- Audio per UTC day (1d streams): speech characters and transcription seconds by project and
-- model, with the project's name.
-- (First in 007_analyst_views.sql; this text from 011_named_dimensions.sql.)

CREATE OR REPLACE VIEW analytics.daily_audio AS
SELECT v.*, p.name AS project_name, o.name AS organization_name
FROM (
    SELECT organization_id, (bucket_start AT TIME ZONE 'UTC')::date AS day, 'audio_speeches'::text AS endpoint, project_id, model,
           sum(characters) AS characters, NULL::bigint AS seconds, sum(num_model_requests) AS num_model_requests
    FROM analytics.audio_speeches_usage WHERE bucket_width = '1d'
    GROUP BY 1, 2, 3, 4, 5
    UNION ALL
    SELECT organization_id, (bucket_start AT TIME ZONE 'UTC')::date, 'audio_transcriptions', project_id, model,
           NULL, sum(seconds), sum(num_model_requests)
    FROM analytics.audio_transcriptions_usage WHERE bucket_width = '1d'
    GROUP BY 1, 2, 3, 4, 5
) v
LEFT JOIN warehouse.dim_project p ON p.natural_id = v.project_id
LEFT JOIN warehouse.dim_organization o ON o.natural_id = v.organization_id;

GRANT SELECT ON analytics.daily_audio TO usage_etl_analyst;
