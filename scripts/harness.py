"""Shared pieces of the Python drivers that run usage-etl against the simulator and the private
PostgreSQL cluster: scripts/chaos.py (fault drills) and bench/run.py (benchmarks).

It holds what both need and nothing either does alone: the clock the simulated ranges are cut
from, the cluster's connection URIs, psql, a fresh database, and the usage-api-sim server (start,
stop, its control and statistics routes, the environment that points usage-etl at it). Each
driver still runs usage-etl itself (chaos merges its output and kills it, bench times it).

scripts/chaos.py imports it from its own folder; bench/run.py puts scripts/ on sys.path first.
"""
import json
import pathlib
import subprocess
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
DAY = 86400
# The simulator and usage-etl both run on the real clock; ranges are cut back from today's
# midnight (UTC), taken once when the driver starts.
TODAY = int(time.time()) // DAY * DAY
# The admin key usage-api-sim accepts unless it is given --admin-key-value.
SIMULATOR_KEY = "sk-admin-simulator-key"


class HarnessError(Exception):
    """A shared step failed: psql refused a statement, or the simulator did not start. Its text
    is the reason, without the driver's name."""


def iso(seconds):
    """RFC 3339 text (UTC, whole seconds) of a Unix time, as usage-etl's --since/--until take it."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def admin_url():
    """The connection URI of the `postgres` database of scripts/pg.sh's cluster (which must be running)."""
    return subprocess.run([str(ROOT / "scripts" / "pg.sh"), "url"], check=True, text=True,
                          stdout=subprocess.PIPE).stdout.strip()


def database_url(admin, name):
    """The URI of database `name` in the same cluster as the admin URI `admin`."""
    return admin.replace(":///postgres", f":///{name}")


def psql(url, sql):
    """Runs `sql` with psql (no psqlrc, unaligned, tuples only) and returns its output, stripped;
    raises HarnessError with psql's message when it fails."""
    result = subprocess.run(["psql", "-X", "-qAt", url, "-c", sql], text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    if result.returncode != 0:
        raise HarnessError(f"psql failed: {result.stderr.strip()}")
    return result.stdout.strip()


def fresh_database(admin, name):
    """Drops database `name` (closing its connections) if it exists, creates it empty and returns
    its URI. The caller runs `usage-etl migrate` into it, with its own environment."""
    psql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(admin, f"CREATE DATABASE {name}")
    return database_url(admin, name)


class Simulator:
    """A usage-api-sim server from `bin_dir`, started with `arguments` after `--port 0`: it binds
    a free port itself and prints its base URL (`http://127.0.0.1:PORT/v1`) as its first line,
    once it accepts requests, so reading that line is the wait for readiness. `key` is the admin
    key it accepts (passed as --admin-key-value unless it is the simulator's own default). Raises
    HarnessError when no URL comes. Call stop() when done."""

    def __init__(self, bin_dir, *arguments, key=SIMULATOR_KEY):
        command = [str(pathlib.Path(bin_dir) / "usage-api-sim"), "--port", "0"]
        if key != SIMULATOR_KEY:
            command += ["--admin-key-value", key]
        self.key = key
        self.process = subprocess.Popen(command + list(arguments), stdout=subprocess.PIPE, text=True)
        self.base = self.process.stdout.readline().strip()
        if not self.base.startswith("http"):
            self.stop()
            raise HarnessError("the simulator did not start")

    def stop(self):
        """Terminates the server and waits for it."""
        self.process.terminate()
        self.process.wait()

    def environment(self, organization, inherit, **variables):
        """usage-etl's environment for this server: `inherit` (a mapping, such as os.environ or
        just PATH), then the base URL, the admin key and `organization`, then `variables`."""
        return {**inherit, "OPENAI_BASE_URL": self.base, "OPENAI_ADMIN_KEY": self.key,
                "OPENAI_ORGANIZATION": organization, **variables}

    def control(self, path):
        """POSTs to one of the server's control routes, such as `/__sim/reset` or `/__sim/faults?…`."""
        request = urllib.request.Request(self.base.replace("/v1", path), method="POST")
        urllib.request.urlopen(request).read()

    def reset(self):
        """Zeroes the server's request statistics."""
        self.control("/__sim/reset")

    def stats(self):
        """The server's request statistics since the last reset (`/__sim/stats`, a dict: requests,
        faulted, by_endpoint, max_same_window_in_flight, …)."""
        with urllib.request.urlopen(self.base.replace("/v1", "/__sim/stats")) as response:
            return json.load(response)
