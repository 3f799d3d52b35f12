#!/usr/bin/env python3
"""`make bench`: release-mode figures of usage-etl against the simulator, each with the reference
it is compared to measured in the same run (these machines are noisy; read the ratios).

Figures: end-to-end backfill of the large simulated organisation (completions, 1h, finest grouping)
over 1, 3 and 6 months with rows/s and peak RSS; requests issued vs the minimum the API caps allow;
load from the archive (`usage-etl replay`) vs raw `COPY` of the same fact rows; an idle `sync`;
a latency-bound backfill (1 s a request) with 1, 2, 4 and 8 workers; the archive's compression before
and after `usage-etl archive compact`; a 7-day backfill at 1m. Written to bench/results.json and printed as a table.

The peer: dlt's `rest_api` source loading the same 6-month completions pages into the same
PostgreSQL (bench/dlt_peer.py), installed with pip into .build/dlt-venv on first use; when it
cannot be installed (no network) the figure is reported as not measured.
"""
import json
import os
import pathlib
import platform
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "scripts"))
import harness  # noqa: E402 (scripts/harness.py, found through the line above)
from harness import DAY, ROOT, TODAY, iso, psql  # noqa: E402

BIN = ROOT / ".build" / "release"


def sh(*args, env=None, check=True, capture=True):
    result = subprocess.run(args, env=env, check=False, text=True,
                            stdout=subprocess.PIPE if capture else None, stderr=subprocess.PIPE if capture else None)
    if check and result.returncode != 0:
        sys.exit(f"bench: {' '.join(map(str, args))} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def fresh_database(admin_url, name):
    """A new, migrated database `name`."""
    url = harness.fresh_database(admin_url, name)
    sh(str(BIN / "usage-etl"), "migrate", env={**os.environ, "DATABASE_URL": url})
    return url


def settle(url, limit=180):
    """Waits (up to `limit` seconds) until no autovacuum worker runs: the vacuum and analyze a
    large load sets off would otherwise take CPU from whichever step is timed next."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if psql(url, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'") == "0":
            return
        time.sleep(1)


def timed_child(args, env):
    """Runs a child; returns (seconds, peak RSS of that child in MiB, completed process)."""
    start = time.perf_counter()
    wrapped = ["/usr/bin/time", "-f", "%M", *args]
    result = subprocess.run(wrapped, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"bench: {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr[-3000:]}")
    peak_kib = int(result.stderr.strip().splitlines()[-1])
    return seconds, peak_kib / 1024, result


DLT_VENV = ROOT / ".build" / "dlt-venv"


def dlt_python():
    """The virtualenv's Python with dlt installed, or None (with the reason printed)."""
    python = DLT_VENV / "bin" / "python"
    if python.exists() and subprocess.run([str(python), "-c", "import dlt, psycopg2"], capture_output=True).returncode == 0:
        return python
    print("installing dlt[postgres] into .build/dlt-venv (bench only)...", flush=True)
    if subprocess.run([sys.executable, "-m", "venv", str(DLT_VENV)], capture_output=True).returncode != 0 or \
            subprocess.run([str(python), "-m", "pip", "install", "-q", "dlt[postgres]"], capture_output=True).returncode != 0:
        print("dlt could not be installed: the peer comparison is not measured", flush=True)
        return None
    return python


LATENCY_MS = 1000
LATENCY_ENDPOINTS = ("completions", "embeddings", "moderations")
LATENCY_DAYS = 8 * 31


def latency_bound(admin_url):
    """Wall time of one backfill when the API answers every request after 1 s (the work is
    waiting, not computing), with 1, 2, 4 and 8 workers: 3 endpoints over 248 days at 1d, at
    least 24 windows of one page each. Each run gets a fresh database; the speed-up of 8 workers
    over 2 is measured in this run."""
    sim = harness.Simulator(BIN, "--latency-ms", str(LATENCY_MS))
    figures = {"latency_ms": LATENCY_MS, "endpoints": list(LATENCY_ENDPOINTS), "days": LATENCY_DAYS, "runs": []}
    try:
        env_base = sim.environment("org-bench", os.environ, USAGE_ETL_LOG_LEVEL="warning")
        since = TODAY - (LATENCY_DAYS + 1) * DAY
        for workers in (1, 2, 4, 8):
            url = fresh_database(admin_url, f"bench_latency_{workers}")
            sim.reset()
            endpoints = [argument for endpoint in LATENCY_ENDPOINTS for argument in ("--endpoint", endpoint)]
            seconds, _, _ = timed_child([str(BIN / "usage-etl"), "backfill", "--since", iso(since), "--until", iso(since + LATENCY_DAYS * DAY),
                                         *endpoints, "--requests-per-minute", "100000", "--parallelism", str(workers)],
                                        {**env_base, "DATABASE_URL": url})
            windows = int(psql(url, "SELECT count(*) FROM etl.windows WHERE state = 'done'"))
            stats = sim.stats()
            figures["runs"].append({"workers": workers, "seconds": round(seconds, 2), "windows": windows,
                                    "requests": stats["requests"], "max_requests_in_flight": stats["max_requests_in_flight"]})
            print(f"latency-bound ({LATENCY_MS} ms a request, {windows} windows): {workers} workers {seconds:.1f} s, "
                  f"{stats['requests']} requests, at most {stats['max_requests_in_flight']} in flight", flush=True)
    finally:
        sim.stop()
    by_workers = {run["workers"]: run["seconds"] for run in figures["runs"]}
    figures["speedup_8_over_2"] = round(by_workers[2] / by_workers[8], 2)
    figures["speedup_2_over_1"] = round(by_workers[1] / by_workers[2], 2)
    print(f"latency-bound: 8 workers {figures['speedup_8_over_2']}x faster than 2 (target >= 3.5); 2 workers {figures['speedup_2_over_1']}x faster than 1",
          flush=True)
    return figures


def minute_buckets(admin_url):
    """A 7-day completions backfill at 1m, finest grouping, large organisation: rows, rows/s, peak
    RSS, requests against the minimum (a 1m window holds 1440 buckets: one page each at the cap)."""
    sim = harness.Simulator(BIN, "--preset", "large")
    try:
        env = {**sim.environment("org-bench", os.environ, USAGE_ETL_LOG_LEVEL="warning"),
               "DATABASE_URL": fresh_database(admin_url, "bench_minutes")}
        since = TODAY - 7 * DAY
        settle(env["DATABASE_URL"])
        seconds, rss, _ = timed_child([str(BIN / "usage-etl"), "backfill", "--since", iso(since), "--until", iso(TODAY),
                                       "--endpoint", "completions", "--bucket-width", "1m", "--requests-per-minute", "100000",
                                       "--parallelism", "2"], env)
        rows = int(psql(env["DATABASE_URL"], "SELECT count(*) FROM warehouse.fact_completions"))
        requests = sim.stats()["requests"]
        minimum = -(-(7 * 1440) // 1440)
        figures = {"days": 7, "rows": rows, "seconds": round(seconds, 2), "rows_per_second": round(rows / seconds),
                   "peak_rss_mib": round(rss, 1), "requests": requests, "minimum_requests": minimum}
        print(f"minute buckets, 7 days: {rows} rows in {seconds:.1f} s ({rows / seconds:.0f} rows/s), peak RSS {rss:.1f} MiB, "
              f"{requests} requests (minimum {minimum})", flush=True)
        return figures
    finally:
        sim.stop()


def main():
    admin_url = harness.admin_url()
    sim = harness.Simulator(BIN, "--preset", "large")
    base = sim.base
    results = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                           "processor": platform.processor() or platform.machine()},
               "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    try:
        env_base = sim.environment("org-bench", os.environ, USAGE_ETL_LOG_LEVEL="warning")
        backfills = []
        for months in (1, 3, 6):
            url = fresh_database(admin_url, f"bench_{months}m")
            env = {**env_base, "DATABASE_URL": url}
            since = TODAY - months * 30 * DAY
            sim.reset()
            settle(url)
            seconds, rss, _ = timed_child([str(BIN / "usage-etl"), "backfill", "--since", iso(since),
                                           "--until", iso(TODAY), "--endpoint", "completions", "--bucket-width", "1h",
                                           "--requests-per-minute", "100000", "--parallelism", "2"], env)
            rows = int(psql(url, "SELECT count(*) FROM warehouse.fact_completions"))
            requests = sim.stats()["requests"]
            hours = (TODAY - since) // 3600
            minimum = -(-hours // 168)
            backfills.append({"months": months, "rows": rows, "seconds": round(seconds, 2),
                              "rows_per_second": round(rows / seconds), "peak_rss_mib": round(rss, 1),
                              "requests": requests, "minimum_requests": minimum})
            print(f"backfill {months} months: {rows} rows in {seconds:.1f} s, peak RSS {rss:.1f} MiB, {requests} requests (minimum {minimum})",
                  flush=True)
        results["backfill"] = backfills
        six = backfills[-1]
        url = harness.database_url(admin_url, "bench_6m")
        env = {**env_base, "DATABASE_URL": url}

        # Load from the archive (decode + COPY + merge) against raw COPY of the same rows.
        psql(url, "TRUNCATE warehouse.fact_completions")
        settle(url)
        replay_seconds, _, _ = timed_child([str(BIN / "usage-etl"), "replay", "--since", iso(TODAY - 200 * DAY), "--until", iso(TODAY),
                                            "--endpoint", "completions"], env)
        rows = int(psql(url, "SELECT count(*) FROM warehouse.fact_completions"))
        dump = pathlib.Path("/tmp/usage-etl-bench-facts.copy")
        with open(dump, "w") as out:
            subprocess.run(["psql", "-X", "-q", url, "-c", "COPY (SELECT * FROM warehouse.fact_completions) TO STDOUT"], stdout=out, check=True)

        def raw_copy_seconds(like):
            """Seconds to COPY the dumped rows into a new table created LIKE the fact table with `like`."""
            psql(url, f"DROP TABLE IF EXISTS public.bench_copy; CREATE TABLE public.bench_copy (LIKE warehouse.fact_completions{like})")
            settle(url)
            start = time.perf_counter()
            with open(dump) as source:
                subprocess.run(["psql", "-X", "-q", url, "-c", "COPY public.bench_copy FROM STDIN"], stdin=source, check=True)
            seconds = time.perf_counter() - start
            psql(url, "DROP TABLE public.bench_copy")
            return seconds

        copy_seconds = raw_copy_seconds("")
        # The same, into a table that also has the fact table's primary key (as replay's target has).
        keyed_seconds = raw_copy_seconds(" INCLUDING ALL")
        dump.unlink()
        results["load"] = {"rows": rows, "replay_seconds": round(replay_seconds, 2), "replay_rows_per_second": round(rows / replay_seconds),
                           "raw_copy_seconds": round(copy_seconds, 2), "raw_copy_rows_per_second": round(rows / copy_seconds),
                           "ratio_to_raw_copy": round(copy_seconds / replay_seconds, 3),
                           "raw_copy_with_key_seconds": round(keyed_seconds, 2),
                           "ratio_to_raw_copy_with_key": round(keyed_seconds / replay_seconds, 3)}
        print(f"load from archive: {rows / replay_seconds:.0f} rows/s vs raw COPY {rows / copy_seconds:.0f} rows/s "
              f"(ratio {copy_seconds / replay_seconds:.2f}); vs raw COPY into a table with the same primary key "
              f"{rows / keyed_seconds:.0f} rows/s (ratio {keyed_seconds / replay_seconds:.2f})", flush=True)

        # An idle sync: nothing new exists; only the lookback is fetched again, then the names.
        sim.reset()
        idle_seconds, _, _ = timed_child([str(BIN / "usage-etl"), "sync", "--endpoint", "completions", "--bucket-width", "1h",
                                          "--requests-per-minute", "100000"], env)
        by_endpoint = sim.stats()["by_endpoint"]
        usage_requests = by_endpoint.get("completions", 0)
        directory_requests = sum(by_endpoint.values()) - usage_requests
        sim.reset()
        bare_seconds, _, _ = timed_child([str(BIN / "usage-etl"), "sync", "--endpoint", "completions", "--bucket-width", "1h",
                                          "--requests-per-minute", "100000", "--skip-dimensions"], env)
        results["idle_sync"] = {"seconds": round(idle_seconds, 2), "usage_requests": usage_requests,
                                "directory_requests": directory_requests,
                                "seconds_without_names": round(bare_seconds, 2), "requests_without_names": sim.stats()["requests"]}
        print(f"idle sync: {idle_seconds:.2f} s, {usage_requests} usage requests + {directory_requests} directory requests "
              f"(names refresh); --skip-dimensions: {bare_seconds:.2f} s, {results['idle_sync']['requests_without_names']} requests",
              flush=True)

        results["latency_bound"] = latency_bound(admin_url)

        # The peer: dlt's rest_api over the same 6 months of pages, into the same PostgreSQL.
        python = dlt_python()
        if python:
            peer_url = fresh_database(admin_url, "bench_dlt")
            since = TODAY - 6 * 30 * DAY
            result = subprocess.run([str(python), str(ROOT / "bench" / "dlt_peer.py"), base, peer_url, str(since), str(TODAY)],
                                    env={**env_base, "DLT_PIPELINES_DIR": str(ROOT / ".build" / "dlt-pipelines"),
                                         "RUNTIME__LOG_LEVEL": "WARNING"},
                                    text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if result.returncode != 0:
                sys.exit(f"bench: the dlt peer failed:\n{result.stderr[-3000:]}")
            peer = json.loads(result.stdout.strip().splitlines()[-1])
            peer["rows_per_second"] = round(peer["rows"] / peer["seconds"])
            peer["usage_etl_rows_per_second"] = six["rows_per_second"]
            peer["ratio"] = round(six["rows_per_second"] / peer["rows_per_second"], 1)
            results["peer_dlt"] = peer
            print(f"dlt rest_api, same 6 months: {peer['rows']} rows in {peer['seconds']:.1f} s ({peer['rows_per_second']} rows/s); "
                  f"usage-etl {six['rows_per_second']} rows/s: {peer['ratio']}x", flush=True)
        else:
            results["peer_dlt"] = {"measured": False, "reason": "dlt could not be installed"}

        raw, compressed = psql(url, "SELECT sum(raw_bytes), sum(compressed_bytes) FROM raw.bodies").split("|")
        results["archive"] = {"raw_bytes": int(raw), "compressed_bytes": int(compressed),
                              "ratio": round(int(raw) / int(compressed), 1)}
        print(f"archive: {int(raw) / 1e6:.1f} MB raw, {int(compressed) / 1e6:.1f} MB compressed ({int(raw) / int(compressed):.1f}x)")
        # The same archive after `usage-etl archive compact` (every window closed: --before now).
        compact_seconds, compact_rss, _ = timed_child([str(BIN / "usage-etl"), "archive", "compact", "--before", iso(TODAY + DAY)], env)
        compacted = int(psql(url, "SELECT sum(compressed_bytes) FROM raw.bodies"))
        results["archive"].update({"compacted_bytes": compacted, "compacted_ratio": round(int(raw) / compacted, 1),
                                   "compact_seconds": round(compact_seconds, 2), "compact_peak_rss_mib": round(compact_rss, 1),
                                   "compact_raw_mb_per_second": round(int(raw) / 1e6 / compact_seconds, 1)})
        print(f"archive compact (level 11, 2 workers): {compacted / 1e6:.1f} MB ({int(raw) / compacted:.1f}x) in {compact_seconds:.1f} s, "
              f"peak RSS {compact_rss:.1f} MiB", flush=True)
        results["minute_buckets"] = minute_buckets(admin_url)
    finally:
        sim.stop()
    out = ROOT / "bench" / "results.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten {out.relative_to(ROOT)}")


if __name__ == "__main__":
    try:
        main()
    except harness.HarnessError as error:
        sys.exit(f"bench: {error}")
