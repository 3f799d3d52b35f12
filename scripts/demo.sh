#!/usr/bin/env bash
# make demo: the embedded default. Builds, starts the private PostgreSQL and the simulator,
# backfills 90 days of every endpoint, runs a sync, prints a few analyst queries and writes the report.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product usage-etl >/dev/null
swift build -c release --product usage-api-sim >/dev/null
bin=$(swift build -c release --show-bin-path)
scripts/pg.sh start
admin_url=$(scripts/pg.sh url)
psql -q "$admin_url" -c "DROP DATABASE IF EXISTS usage_demo WITH (FORCE)" -c "CREATE DATABASE usage_demo"
export DATABASE_URL="${admin_url/:\/\/\/postgres/:///usage_demo}"

sim_out=$(mktemp)
"$bin/usage-api-sim" --port 0 --seed 42 >"$sim_out" &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null || true; rm -f "$sim_out"' EXIT
for _ in $(seq 50); do [ -s "$sim_out" ] && break; sleep 0.1; done
export OPENAI_BASE_URL=$(head -1 "$sim_out")
export OPENAI_ADMIN_KEY=sk-admin-simulator-key   # the simulator's key; a real key comes from the environment too
export OPENAI_ORGANIZATION=org-demo
echo "demo: simulator at $OPENAI_BASE_URL, warehouse at $DATABASE_URL"

"$bin/usage-etl" migrate
since=$(date -u -d '90 days ago' +%Y-%m-%d)
until=$(date -u +%Y-%m-%dT%H:00:00Z)
"$bin/usage-etl" backfill --since "$since" --until "$until" --requests-per-minute 3000 2>/dev/null
"$bin/usage-etl" sync --requests-per-minute 3000 2>/dev/null
"$bin/usage-etl" status

echo; echo "Spend by project (last 90 days):"
psql "$DATABASE_URL" -c "SELECT project_id, currency, round(sum(amount), 2) AS spend
                         FROM analytics.costs GROUP BY 1, 2 ORDER BY spend DESC"
echo "Tokens by model (last 90 days):"
psql "$DATABASE_URL" -c "SELECT model, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
                                sum(num_model_requests) AS requests
                         FROM analytics.completions_usage WHERE bucket_width = '1d' GROUP BY 1 ORDER BY 2 DESC"
# A budget for the report's burn-down, then the report itself (it reads only the analytics views,
# as the analyst role would; the demo runs it as the warehouse owner).
psql -q "$DATABASE_URL" -c "INSERT INTO analytics.budgets (name, scope, monthly_amount) VALUES ('Organization', 'organization', 2500)"
"$bin/usage-etl" report --out usage-report.html
echo "demo: report written to $(pwd)/usage-report.html"
echo "demo: PostgreSQL stays up ($DATABASE_URL); make pg-stop removes it"
