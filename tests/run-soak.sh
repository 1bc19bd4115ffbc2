#!/usr/bin/env bash
# The long versions of the multi-process reliability tests (tests/LockActors.Reliability/MultiProcess) on file://,
# s3:// (Ceph RGW) and sftp://, with a markdown report. The same tests run short in CI; LOCKACTORS_SOAK=1 makes
# them long. Sizes (defaults = the issue's targets), all overridable:
#   LOCKACTORS_SOAK_GRANTS=100000        R1: total grants, LOCKACTORS_SOAK_PROCESSES=4 x LOCKACTORS_SOAK_CALLERS=16
#   LOCKACTORS_SOAK_KILLS=100            R2: kill -9 of a holder, takeover checked against the store clock
#   LOCKACTORS_SOAK_FAULT_GRANTS=5000    R3: grants under LOCKACTORS_SOAK_FAULT_RATE=0.10 injected delays/errors/resets
#   LOCKACTORS_SOAK_PAUSES=20            SIGSTOP of a holder past its TTL, SIGCONT
#   LOCKACTORS_SOAK_BACKENDS="File S3 Sftp"   (test class prefixes; Gcs also works)
#   LOCKACTORS_SOAK_REPORT=<file>        default: <state dir>/soak-report.md (printed at the end)
# Exits non-zero when any test failed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
STATE=${LOCKACTORS_TEST_STATE:-$(mktemp -d /tmp/lockactors-soak.XXXXXX)}
mkdir -p "$STATE/results"
chmod 755 "$STATE" # the SFTP test server's unprivileged user must reach its keys inside
CONFIG=${CONFIGURATION:-Release}
export LOCKACTORS_SOAK=1
# One multi-process test at a time: the long runs must not starve each other's renewals on a small box.
export LOCKACTORS_MP_LANES=${LOCKACTORS_MP_LANES:-1}
export LOCKACTORS_SOAK_REPORT=${LOCKACTORS_SOAK_REPORT:-$STATE/soak-report.md}
BACKENDS=${LOCKACTORS_SOAK_BACKENDS:-File S3 Sftp}

servers=()
stop_servers() {
  for name in "${servers[@]}"; do
    bash "$ROOT/tests/servers/$name.sh" down "$STATE/$name" >/dev/null 2>&1 || true
  done
}
trap stop_servers EXIT

for name in ceph-rgw sftp faketime; do
  echo "== starting: $name"
  if ! exports=$(bash "tests/servers/$name.sh" up "$STATE/$name"); then
    echo "!! '$name' failed to start (logs under $STATE/$name)" >&2
    exit 1
  fi
  servers+=("$name")
  eval "$exports"
done

echo "== building ($CONFIG)"
dotnet build LockActors.sln -c "$CONFIG" -warnaserror -nologo -clp:ErrorsOnly

filter=$(for b in $BACKENDS; do printf 'FullyQualifiedName~%sMultiProcessTests|' "$b"; done)
filter=${filter%|}
started=$(date -u +%FT%TZ)
{
  echo "# LockActors soak report"
  echo
  echo "Started $started on $(hostname) ($(nproc) cores), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
  echo "Backends: $BACKENDS. R1 grants ${LOCKACTORS_SOAK_GRANTS:-100000} (${LOCKACTORS_SOAK_PROCESSES:-4} processes x ${LOCKACTORS_SOAK_CALLERS:-16} callers);"
  echo "R2 kills ${LOCKACTORS_SOAK_KILLS:-100}; R3 ${LOCKACTORS_SOAK_FAULT_GRANTS:-5000} grants at fault rate ${LOCKACTORS_SOAK_FAULT_RATE:-0.10}; pauses ${LOCKACTORS_SOAK_PAUSES:-20}."
  echo
  echo "| backend | scenario | result | figures |"
  echo "|---|---|---|---|"
} > "$LOCKACTORS_SOAK_REPORT"

echo "== soaking: $filter"
set +e
dotnet test tests/LockActors.Reliability -c "$CONFIG" --no-build --nologo --filter "$filter" \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$STATE/results" \
  -- RunConfiguration.TestSessionTimeout=86400000 2>&1 | tee "$STATE/soak-output.log" | grep -E '^\s+(Passed|Failed) |Error Message|^(Passed|Failed)!|Total tests'
rc=${PIPESTATUS[0]}
set -e

{
  echo
  echo "Finished $(date -u +%FT%TZ); dotnet test exit $rc. Test names and failure messages:"
  echo
  echo '```'
  grep -E '^\s+(Passed|Failed) ' "$STATE/soak-output.log" | sed 's/^ *//' || true
  echo '```'
} >> "$LOCKACTORS_SOAK_REPORT"
echo "report: $LOCKACTORS_SOAK_REPORT"
exit "$rc"
