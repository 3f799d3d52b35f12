"""The peer of `make bench`: dlt's `rest_api` source loading the same endpoint pages as usage-etl
into the same PostgreSQL. Run by bench/run.py with the virtualenv's Python (dlt is never a
requirement of usage-etl itself).

Usage: dlt_peer.py BASE_URL DATABASE_URL SINCE UNTIL   (admin key in OPENAI_ADMIN_KEY)
Prints one JSON object: seconds, result rows (the `results` child table), pages.
"""
import json
import os
import sys
import time
import urllib.parse

import dlt
from dlt.sources.rest_api import rest_api_source


def main(base, database_url, since, until):
    group_by = ["project_id", "user_id", "api_key_id", "model", "batch", "service_tier"]
    source = rest_api_source({
        "client": {
            "base_url": base.rstrip("/") + "/",
            "auth": {"type": "bearer", "token": os.environ["OPENAI_ADMIN_KEY"]},
            "paginator": {"type": "cursor", "cursor_path": "next_page", "cursor_param": "page"},
        },
        "resources": [{
            "name": "completions",
            "endpoint": {
                "path": "organization/usage/completions",
                "params": {"start_time": since, "end_time": until, "bucket_width": "1h", "group_by": group_by, "limit": 168},
                "data_selector": "data",
            },
            "write_disposition": "append",
        }],
    })
    # dlt wants every credential field; the bench cluster trusts local connections, so any password does.
    url = urllib.parse.urlparse(database_url)
    query = dict(urllib.parse.parse_qsl(url.query))
    credentials = {"database": url.path.lstrip("/"), "username": query.get("user", "postgres"), "password": "unused",
                   "host": query.get("host", url.hostname or "localhost"), "port": int(query.get("port", url.port or 5432))}
    if credentials["host"].startswith("/"):
        # A unix socket directory: percent-encoded, it survives as the host of the URI dlt hands to libpq.
        credentials["host"] = urllib.parse.quote(credentials["host"], safe="")
    pipeline = dlt.pipeline(pipeline_name="usage_etl_bench_peer", pipelines_dir=os.environ.get("DLT_PIPELINES_DIR"),
                            destination=dlt.destinations.postgres(credentials=credentials), dataset_name="dlt_peer",
                            progress=None)
    started = time.perf_counter()
    pipeline.run(source)
    seconds = time.perf_counter() - started
    with pipeline.sql_client() as client:
        rows = client.execute_sql("SELECT count(*) FROM completions__results")[0][0]
        buckets = client.execute_sql("SELECT count(*) FROM completions")[0][0]
    print(json.dumps({"seconds": round(seconds, 2), "rows": rows, "buckets": buckets}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
