#!/usr/bin/env bash
# Regenerates src/<project>/PublicAPI.Shipped.txt from the code, with the exact lines (nullability, defaults) the
# PublicApiAnalyzers code fix would write: it empties the files, builds each project with a SARIF error log and
# collects the API name of every RS0016 ("not part of the declared public API"). Review the diff before committing.
#
#   bash tests/update-public-api.sh                      # every library project, in dependency order
#   bash tests/update-public-api.sh LockActors.S3        # only the named projects (their dependencies must build)
#   UNSHIPPED=1 bash tests/update-public-api.sh ...      # after a release: keep Shipped, list what is new in Unshipped
#
# Until 1.0 ships the whole surface lives in Shipped and Unshipped stays empty.
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIGURATION:-Debug}
projects=("$@")
[ ${#projects[@]} -gt 0 ] || projects=(LockActors.Storage LockActors LockActors.S3 LockActors.Gcs LockActors.Sftp LockActors.Coordination)

log=$(mktemp -d /tmp/public-api.XXXXXX)
trap 'rm -rf "$log"' EXIT

for project in "${projects[@]}"; do
  dir="src/$project"
  [ -f "$dir/$project.csproj" ] || { echo "no project $dir/$project.csproj" >&2; exit 1; }
  target="$dir/PublicAPI.Shipped.txt"
  if [ "${UNSHIPPED:-0}" = 1 ]; then
    target="$dir/PublicAPI.Unshipped.txt"
  else
    printf '#nullable enable\n' >"$dir/PublicAPI.Shipped.txt"
  fi
  printf '#nullable enable\n' >"$dir/PublicAPI.Unshipped.txt"

  # The build fails on the RS0016 errors we are collecting; the log is what matters.
  dotnet build "$dir" -c "$CONFIG" -nologo -v q -p:ErrorLog="$log/$project.sarif%2Cversion=2.1" >"$log/$project.out" 2>&1 || true
  [ -s "$log/$project.sarif" ] || { cat "$log/$project.out" >&2; echo "no error log for $project" >&2; exit 1; }

  python3 - "$log/$project.sarif" "$target" <<'PY'
import json, sys
sarif, target = sys.argv[1], sys.argv[2]
results = [r for run in json.load(open(sarif, encoding="utf-8"))["runs"] for r in run.get("results", [])]
other = sorted({r["message"]["text"] for r in results if r["level"] == "error" and r["ruleId"] != "RS0016"})
if other:
    sys.exit("errors other than RS0016 (fix them first):\n  " + "\n  ".join(other))
names = {r["properties"]["customProperties"]["APIName"] for r in results if r["ruleId"] == "RS0016"}
with open(target, "w", encoding="utf-8", newline="\n") as f:
    f.write("#nullable enable\n" + "".join(n + "\n" for n in sorted(names, key=lambda s: s.encode("utf-8"))))
print(f"{target}: {len(names)} symbols")
PY
  # Confirm the files are complete: the project must now build cleanly.
  dotnet build "$dir" -c "$CONFIG" -nologo -v q >"$log/$project.check" 2>&1 || { cat "$log/$project.check" >&2; exit 1; }
done
