#!/usr/bin/env bash
# make demo: the embedded default. Starts the private PostgreSQL, builds, and migrates.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product usage-etl
scripts/pg.sh start
export DATABASE_URL=$(scripts/pg.sh url)
bin=$(swift build -c release --show-bin-path)
"$bin/usage-etl" migrate
psql "$DATABASE_URL" -c '\dn'
echo "demo: PostgreSQL stays up at $DATABASE_URL (make pg-stop to remove it)"
