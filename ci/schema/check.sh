#!/usr/bin/env bash
# The schema checks: graphql-schema-linter (a description on every type,
# field, argument and enum value; naming rules; see .graphql-schema-linterrc)
# with zero errors, then the breaking-change check of schema.graphql against
# the previous release's SDL (release.graphql), which fails on any breaking
# change not listed with a reason in accepted-breaking.txt (breaking.mjs,
# on graphql-inspector's diff).
# Needs only the npm registry (npm ci from the committed lock).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"
npm ci --no-audit --no-fund --loglevel=error
echo "-- graphql-schema-linter"
npx --no-install graphql-schema-linter -c "$here" -f compact "$root/schema.graphql"
echo "ok: no lint errors"
echo "-- breaking changes since release.graphql"
node breaking.mjs release.graphql "$root/schema.graphql" accepted-breaking.txt
# For the full list of changes, breaking or not (e.g. for a changelog):
#   (cd ci/schema && npx graphql-inspector diff release.graphql ../../schema.graphql)
