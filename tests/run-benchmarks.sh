#!/usr/bin/env bash
# Builds the benchmarks (Release) and runs them.
#
#   bash tests/run-benchmarks.sh [--smoke|--full] [extra runner args, e.g. --runs 5]
#
#   --smoke (default)  every scenario at tiny sizes, 1 run, no external servers, plus the BenchmarkDotNet
#                      micro-benchmarks as a dry run: well under a minute. CI runs this so the benchmarks never rot.
#   --full             starts the S3 (Ceph RGW) and SFTP test servers with tests/servers/*.sh, runs every scenario
#                      (3 runs each, ~20-30 min on 2 cores) and the micro-benchmarks, then stops the servers.
#
# Results (summary.md, summary.csv, runs.csv, micro/) go to tests/LockActors.Benchmarks/results/<time>-<scenario>/.
# Exits non-zero when the build or any scenario fails (a missed performance goal is reported, not a failure).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
MODE=smoke
if [ $# -gt 0 ]; then
  case "$1" in
    --smoke) MODE=smoke; shift ;;
    --full) MODE=full; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
  esac
fi
PROJECT=tests/LockActors.Benchmarks
STAMP=$(date -u +%Y%m%d-%H%M%S)
OUT="$ROOT/$PROJECT/results/$STAMP-$MODE"

echo "== building benchmarks (Release)"
dotnet build "$PROJECT" -c Release -warnaserror -nologo -clp:ErrorsOnly

run() { dotnet run -c Release --no-build --project "$PROJECT" -- "$@"; }

if [ "$MODE" = smoke ]; then
  echo "== benchmarks: smoke"
  run all --smoke --out "$OUT/scenarios" "$@"
  run micro --smoke --out "$OUT"
  echo "== smoke results: $OUT/scenarios/summary.md"
  exit 0
fi

STATE=${LOCKACTORS_BENCH_STATE:-$(mktemp -d /tmp/lockactors-bench.XXXXXX)}
# mktemp makes the folder 0700; the SFTP test server runs as an unprivileged user that must reach its data inside.
chmod 755 "$STATE"
servers=()
stop_servers() {
  for name in "${servers[@]}"; do
    bash "$ROOT/tests/servers/$name.sh" down "$STATE/$name" >/dev/null 2>&1 || true
  done
}
trap stop_servers EXIT
for name in ceph-rgw sftp; do
  [ -e "tests/servers/$name.sh" ] || continue
  echo "== starting test server: $name"
  if exports=$(bash "tests/servers/$name.sh" up "$STATE/$name"); then
    servers+=("$name")
    eval "$exports"
  else
    echo "!! test server '$name' failed to start (logs under $STATE/$name); its store is reported as not measured" >&2
  fi
done

echo "== benchmarks: full"
run all --out "$OUT/scenarios" "$@"
run micro --out "$OUT"
echo "== full results: $OUT/scenarios/summary.md"
