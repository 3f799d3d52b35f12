#!/usr/bin/env bash
# Regenerates Fixtures/pages/<name>.json from each <name>.query (what the simulator answers) and
# rewrites Fixtures/CHECKSUMS.sha256. Run after a deliberate change to the simulator; the test
# suite fails until the fixtures and checksums agree with it again.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product usage-api-sim >/dev/null
"$(swift build --show-bin-path)/usage-api-sim" --write-fixtures Fixtures/pages
(cd Fixtures && sha256sum openapi/usage-and-costs.json openapi/usage-etl-additions.json pages/*.json pages/*.query > CHECKSUMS.sha256)
python3 scripts/validate_fixtures.py Fixtures/pages
