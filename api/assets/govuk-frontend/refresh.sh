#!/usr/bin/env bash
# Refreshes the vendored GOV.UK Frontend stylesheet and script (see README.md).
set -euo pipefail
version="${1:?usage: refresh.sh VERSION}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "govuk-frontend@$version" >/dev/null && tar xzf "govuk-frontend-$version.tgz")
python3 - "$work/package/dist/govuk" "$here" <<'PY'
import re, sys
src, out = sys.argv[1], sys.argv[2]
css = open(f"{src}/govuk-frontend.min.css").read()
css = re.sub(r"@font-face\{[^}]*\}", "", css)
css = css.replace("font-family:GDS Transport,arial,sans-serif", "font-family:arial,sans-serif")
css = css.replace("font-family:GDS Transport", "font-family:arial")
css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
open(f"{out}/govuk-frontend.min.css", "w").write(css)
js = open(f"{src}/govuk-frontend.min.js").read()
js = re.sub(r"//# sourceMappingURL=\S+", "", js)
open(f"{out}/govuk-frontend.min.js", "w").write(js)
PY
sed -i "s/GOV.UK Frontend [0-9.]*, served/GOV.UK Frontend $version, served/" "$here/README.md"
