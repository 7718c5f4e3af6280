#!/bin/sh
# report.sarif against the official SARIF 2.1.0 JSON schema (vendored: sarif/README.md),
# validated with Debian's node-ajv; every race result carries both access sites.
# Skipped (exit 77) when node or node-ajv is missing.
. "$(dirname "$0")/lib.sh"
node=$(command -v node || command -v nodejs || true)
if [ -z "$node" ] || ! NODE_PATH=/usr/share/nodejs "$node" -e 'require("ajv")' 2>/dev/null; then
	echo "SKIP: node and node-ajv are needed (apt-get install nodejs node-ajv)"
	exit 77
fi
w=$(fresh sarif)
"$WAKERCONF" report "$FIXTURES/runs/mutant" -o "$w/site" --quiet >/dev/null || fail "report"
NODE_PATH=/usr/share/nodejs "$node" "$(dirname "$0")/sarif_validate.js" \
	"$(dirname "$0")/sarif/sarif-2.1.0-rtm.5.json" "$w/site/report.sarif" || fail "report.sarif does not validate"
ok "report.sarif validates against the SARIF 2.1.0 schema"
