#!/usr/bin/env python3
"""Fault drills: usage-etl under SIGKILL, API faults, a PostgreSQL restart, concurrent syncs and
expired cursors, each ending with a warehouse that must equal a clean load exactly.

Usage: chaos.py [--short] [--only TEXT] [--bin DIR]

Drills: SIGKILLed backfills run again; SIGKILLed backfills rescued by `rerun --failed` alone and by
`sync` alone (no repeat of the backfill); two overlapping backfills at once; API faults then
`rerun --failed`; an expired cursor on resume; four concurrent syncs; a PostgreSQL restart.

Each drill loads the same data (completions and embeddings at 1h, costs at 1d, ten whole days
that ended two days ago, pages of 12 buckets) into its own database through the usage-etl binary
and the usage-api-sim server, then compares the contract views with a clean reference load:
row counts and an md5 over every row's text, so a lost, duplicated or altered row fails the drill.
It also requires every window `done` (no lease left behind by a killed run), no run still recorded
as running, and no advisory lock held once the processes have ended. Prints `N passed, N failed`; exits 1 when any drill failed.

--short runs a few drills (under two minutes; `make test` runs it); the full set is `make chaos`.
The PostgreSQL cluster of scripts/pg.sh must be running.
"""
import argparse
import os
import pathlib
import random
import signal
import subprocess
import sys
import tempfile
import time

import harness
from harness import DAY, ROOT, TODAY, iso

SINCE, UNTIL = TODAY - 12 * DAY, TODAY - 2 * DAY
KEY = "sk-admin-chaos-drill-key-0123456789"
VIEWS = ["completions_usage", "embeddings_usage", "costs"]
PIPELINE = """name = "chaos"
bucket_width = "1h"
page_limit = 12
requests_per_minute = 100000
parallelism = 2
[[streams]]
endpoint = "completions"
[[streams]]
endpoint = "embeddings"
[[streams]]
endpoint = "costs"
bucket_width = "1d"
"""
PIPELINE_FILE = pathlib.Path(tempfile.gettempdir()) / f"usage-etl-chaos-{os.getpid()}.toml"
LOAD = ["--pipeline", str(PIPELINE_FILE)]
BACKFILL = ["backfill", "--since", iso(SINCE), "--until", iso(UNTIL)] + LOAD


class DrillFailed(Exception):
    pass


# What fails a drill: its own checks, a shared step (psql), a usage-etl that does not end.
FAILURES = (DrillFailed, harness.HarnessError, subprocess.TimeoutExpired)


class Drills:
    def __init__(self, bin_dir):
        self.bin = pathlib.Path(bin_dir)
        self.admin_url = harness.admin_url()
        try:
            self.sim = harness.Simulator(self.bin, key=KEY)
        except harness.HarnessError as error:
            sys.exit(f"chaos: {error}")
        self.reference = None
        self.counter = 0

    def close(self):
        self.sim.stop()

    # -- helpers -----------------------------------------------------------------------------

    def database(self, name):
        self.counter += 1
        url = harness.fresh_database(self.admin_url, f"chaos_{self.counter}_{name}"[:60])
        self.run(["migrate"], url, expect=0)
        return url

    def env(self, url, **extra):
        env = self.sim.environment("org-chaos", {"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                                   DATABASE_URL=url, USAGE_ETL_BASE_BACKOFF="0.05")
        env.update(extra)
        return env

    def start(self, args, url, **extra):
        return subprocess.Popen([str(self.bin / "usage-etl"), *args], env=self.env(url, **extra),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def run(self, args, url, expect=None, **extra):
        process = self.start(args, url, **extra)
        output, _ = process.communicate(timeout=600)
        if expect is not None and process.returncode != expect:
            raise DrillFailed(f"usage-etl {' '.join(args[:1])} exited {process.returncode}, expected {expect}:\n{output[-2000:]}")
        return process.returncode, output

    def faults(self, rate=0.0, kinds="429,500,502,503,reset,truncated,malformed,wrong-type,timeout", latency=0, ttl=""):
        self.sim.control(f"/__sim/faults?rate={rate}&kinds={kinds}&latency_ms={latency}&cursor_ttl={ttl}")

    def digest(self, url, since=SINCE, until=UNTIL):
        parts = []
        for view in VIEWS:
            parts.append(harness.psql(url, f"""
                SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))
                FROM analytics.{view} t
                WHERE bucket_start >= to_timestamp({since}) AND bucket_start < to_timestamp({until})"""))
        return parts

    def verify(self, url, since=SINCE, until=UNTIL):
        """The warehouse equals the clean load; no window left unfinished; no claim left behind."""
        unfinished = harness.psql(url, "SELECT count(*) FROM etl.windows WHERE state <> 'done'")
        if unfinished != "0":
            raise DrillFailed(f"{unfinished} windows not done: " +
                              harness.psql(url, "SELECT string_agg(state || ' ' || coalesce(last_error, ''), '; ') FROM etl.windows WHERE state <> 'done'"))
        running = harness.psql(url, "SELECT count(*) FROM etl.runs WHERE outcome = 'running'")
        if running != "0":
            raise DrillFailed(f"{running} runs still recorded as running after every process ended")
        database = url.split(":///", 1)[1].split("?", 1)[0]
        locks = harness.psql(self.admin_url, f"""SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                                             WHERE l.locktype = 'advisory' AND d.datname = '{database}'""")
        if locks != "0":
            raise DrillFailed(f"{locks} advisory locks still held after every process ended")
        expected = self.reference_digest(since, until)
        actual = self.digest(url, since, until)
        for view, want, got in zip(VIEWS, expected, actual):
            if want != got:
                raise DrillFailed(f"analytics.{view} differs from the clean load: {got} (rows:md5) instead of {want}")

    def reference_digest(self, since, until):
        if self.reference is None:
            self.faults()
            self.reference = self.database("reference")
            self.run(BACKFILL, self.reference, expect=0)
        return self.digest(self.reference, since, until)

    # -- drills --------------------------------------------------------------------------------

    def sigkill(self, seed):
        """A backfill killed with SIGKILL at a random moment, then run again: nothing lost or doubled."""
        self.faults(latency=25)
        url = self.database(f"kill{seed}")
        process = self.start(BACKFILL, url)
        time.sleep(random.Random(seed).uniform(0.2, 2.5))
        process.send_signal(signal.SIGKILL)
        process.wait()
        self.faults()
        self.run(BACKFILL, url, expect=0)
        self.verify(url)

    def killed_mid_window(self, url, seed):
        """Starts a backfill and kills it with SIGKILL once its windows are planned and loading."""
        process = self.start(BACKFILL, url)
        deadline = time.time() + 30
        while time.time() < deadline and harness.psql(url, "SELECT count(*) FROM etl.windows WHERE state <> 'pending'") == "0":
            time.sleep(0.02)
        time.sleep(random.Random(seed).uniform(0.0, 1.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
        return harness.psql(url, "SELECT count(*) FROM etl.windows WHERE state <> 'done'")

    def sigkill_then_rerun(self, seed):
        """A backfill killed mid-window; only `rerun --failed` runs after it, and leaves the exact data."""
        self.faults(latency=25)
        url = self.database(f"killrerun{seed}")
        left = self.killed_mid_window(url, seed)
        self.faults()
        self.run(["rerun", "--failed"], url, expect=0)
        self.verify(url)
        return f"{left} windows left unfinished by the kill"

    def sigkill_then_sync(self, seed):
        """A backfill killed mid-window; only the scheduled `sync` runs after it, and leaves no hole."""
        self.faults(latency=25)
        url = self.database(f"killsync{seed}")
        left = self.killed_mid_window(url, seed)
        self.faults()
        self.run(["sync"] + LOAD, url, expect=0)
        self.verify(url)
        return f"{left} windows left unfinished by the kill"

    def overlapping_backfills(self):
        """Two backfills at once whose windows of each stream overlap (starts an hour apart): both
        succeed and the data is exact."""
        self.faults(latency=300)
        url = self.database("overlap")
        second = ["backfill", "--since", iso(SINCE + 3600), "--until", iso(UNTIL)] + LOAD
        processes = [self.start(BACKFILL, url), self.start(second, url)]
        for process in processes:
            output, _ = process.communicate(timeout=600)
            if process.returncode != 0:
                raise DrillFailed(f"an overlapping backfill exited {process.returncode}:\n{output[-1500:]}")
        self.faults()
        self.verify(url)

    def api_faults(self):
        """10% of requests fail in every way the API can; windows that still fail are reported and
        `rerun --failed` completes them once the faults stop."""
        self.faults(rate=0.1)
        url = self.database("faults")
        self.sim.reset()
        status, output = self.run(BACKFILL, url, USAGE_ETL_MAX_ATTEMPTS="2")
        stats = self.sim.stats()
        failed = harness.psql(url, "SELECT count(*) FROM etl.windows WHERE state = 'failed'")
        if status not in (0, 1) or (status == 1) != (failed != "0"):
            raise DrillFailed(f"backfill under faults exited {status} with {failed} failed windows:\n{output[-1500:]}")
        self.faults()
        self.run(["rerun", "--failed"], url, expect=0)
        self.verify(url)
        return f"{stats['faulted']} of {stats['requests']} requests faulted; {failed} windows failed, then rerun"

    def postgres_restart(self):
        """PostgreSQL restarted in the middle of a backfill: the run ends cleanly (0 or 1, never a
        crash), and running it again leaves the exact data."""
        self.faults(latency=25)
        url = self.database("pgrestart")
        process = self.start(BACKFILL, url)
        time.sleep(1.0)
        subprocess.run([str(ROOT / "scripts" / "pg.sh"), "restart"], check=True)
        output, _ = process.communicate(timeout=600)
        if process.returncode not in (0, 1):
            raise DrillFailed(f"backfill exited {process.returncode} across the restart:\n{output[-1500:]}")
        self.faults()
        self.run(BACKFILL, url, expect=0)
        self.verify(url)
        return f"the interrupted backfill exited {process.returncode}"

    def concurrent_syncs(self):
        """Four syncs at once: all succeed, exact data, no window (or directory page) fetched twice at once."""
        self.faults(latency=20)
        url = self.database("syncs")
        self.sim.reset()
        # 12 days (plus the 6 h lookback) back from any hour of today reach SINCE + DAY, where the check starts;
        # 11 days did only before 06:00 UTC.
        syncs = [self.start(["sync", "--initial-days", "12"] + LOAD, url) for _ in range(4)]
        for process in syncs:
            output, _ = process.communicate(timeout=600)
            if process.returncode != 0:
                raise DrillFailed(f"a concurrent sync exited {process.returncode}:\n{output[-1500:]}")
        in_flight = self.sim.stats()["max_same_window_in_flight"]
        self.faults()
        if in_flight != 1:
            raise DrillFailed(f"the same window was in flight {in_flight} times at once")
        self.verify(url, SINCE + DAY, UNTIL)

    def expired_cursor(self):
        """Killed mid-window, resumed after the page cursor expired: the window restarts from its start."""
        self.faults(latency=40, ttl=1)
        url = self.database("cursor")
        process = self.start(BACKFILL, url)
        deadline = time.time() + 30
        while time.time() < deadline and harness.psql(url, "SELECT count(*) FROM etl.windows WHERE next_page IS NOT NULL") == "0":
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        if harness.psql(url, "SELECT count(*) FROM etl.windows WHERE next_page IS NOT NULL AND state <> 'done'") == "0":
            raise DrillFailed("no window was left with a checkpointed cursor to expire")
        time.sleep(2.5)
        self.run(BACKFILL, url, expect=0)
        restarted = harness.psql(url, "SELECT count(*) FROM etl.windows WHERE generation > 0")
        self.faults()
        if restarted == "0":
            raise DrillFailed("no window restarted from its start after its cursor expired")
        self.verify(url)


def main():
    parser = argparse.ArgumentParser(description="usage-etl fault drills")
    parser.add_argument("--short", action="store_true", help="a few drills, for make test")
    parser.add_argument("--only", help="run only the drills whose name contains this text")
    parser.add_argument("--bin", default=str(ROOT / ".build" / "debug"), help="where usage-etl and usage-api-sim are")
    options = parser.parse_args()
    PIPELINE_FILE.write_text(PIPELINE)
    drills = Drills(options.bin)
    plan = [("api faults at 10%, then rerun --failed", drills.api_faults)]
    kills = 3 if options.short else 20
    plan += [(f"SIGKILL mid-backfill #{i + 1}, then backfill again", lambda i=i: drills.sigkill(i)) for i in range(kills)]
    rescues = 1 if options.short else 5
    plan += [(f"SIGKILL mid-window #{i + 1}, then rerun --failed only", lambda i=i: drills.sigkill_then_rerun(i)) for i in range(rescues)]
    plan += [(f"SIGKILL mid-window #{i + 1}, then sync only", lambda i=i: drills.sigkill_then_sync(i)) for i in range(rescues)]
    plan += [("two overlapping backfills at once", drills.overlapping_backfills)]
    plan += [("expired cursor on resume", drills.expired_cursor), ("four concurrent syncs", drills.concurrent_syncs)]
    if not options.short:
        plan += [("PostgreSQL restart mid-backfill", drills.postgres_restart)]
    if options.only:
        plan = [(name, drill) for name, drill in plan if options.only.lower() in name.lower()]
    passed = failed = 0
    started = time.time()
    try:
        for name, drill in plan:
            t0 = time.time()
            try:
                note = drill()
                passed += 1
                print(f"PASS {name} ({time.time() - t0:.1f} s{'; ' + note if note else ''})", flush=True)
            except FAILURES as error:
                failed += 1
                print(f"FAIL {name}: {error}", flush=True)
    finally:
        drills.close()
        PIPELINE_FILE.unlink(missing_ok=True)
    print(f"chaos: {passed} passed, {failed} failed ({time.time() - started:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
