#!/usr/bin/env bash
# The README test command. On a fresh Debian 12 machine it installs and starts every test server
# (tests/servers/*.sh, each "up <state-dir>" printing eval-able exports), builds the solution, runs every
# test project, runs the consumer tests (tests/consumers/run.sh: packs src/ and builds fresh applications from the
# packages), stops the servers, and prints one plain summary line: "N passed, N failed, N skipped".
# Exits non-zero when anything failed or no test ran.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
STATE=${LOCKACTORS_TEST_STATE:-$(mktemp -d /tmp/lockactors-tests.XXXXXX)}
RESULTS="$STATE/results"
mkdir -p "$STATE" "$RESULTS"
# mktemp makes the folder 0700; the SFTP test server runs as an unprivileged user that must reach its keys inside.
chmod 755 "$STATE"
CONFIG=${CONFIGURATION:-Release}

servers=()
stop_servers() {
  for name in "${servers[@]}"; do
    bash "$ROOT/tests/servers/$name.sh" down "$STATE/$name" >/dev/null 2>&1 || true
  done
}
trap stop_servers EXIT

for script in tests/servers/*.sh; do
  [ -e "$script" ] || continue
  name=$(basename "$script" .sh)
  echo "== starting test server: $name"
  if ! exports=$(bash "$script" up "$STATE/$name"); then
    echo "!! test server '$name' failed to start (logs under $STATE/$name)" >&2
    exit 1
  fi
  servers+=("$name")
  eval "$exports"
done

echo "== building ($CONFIG)"
dotnet build LockActors.sln -c "$CONFIG" -warnaserror -nologo -clp:ErrorsOnly

echo "== testing"
set +e
dotnet test LockActors.sln -c "$CONFIG" --no-build --nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$RESULTS" \
  -- RunConfiguration.TestSessionTimeout=1500000 2>&1 | tee "$STATE/test-output.log" | grep -E '^\s+(Failed|Skipped) |Error Message|^(Passed|Failed)!|Total tests' 
test_rc=${PIPESTATUS[0]}
set -e

echo "== consumer tests (tests/consumers/run.sh: the packed packages in fresh applications)"
set +e
bash tests/consumers/run.sh "$STATE" 2>&1 | tee "$STATE/consumers-output.log"
consumers_rc=${PIPESTATUS[0]}
set -e

passed=0; failed=0; notrun=0
# The consumer checks count like tests: "consumers: N passed, N failed" is run.sh's last line.
if consumers=$(grep -E '^consumers: [0-9]+ passed, [0-9]+ failed$' "$STATE/consumers-output.log"); then
  passed=$(echo "$consumers" | grep -o '[0-9]* passed' | grep -o '[0-9]*')
  failed=$(echo "$consumers" | grep -o '[0-9]* failed' | grep -o '[0-9]*')
fi
[ "$consumers_rc" -eq 0 ] || [ "$failed" -ne 0 ] || failed=1
for trx in "$RESULTS"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  notrun=$((notrun + $(get notExecuted)))
done
echo "$passed passed, $failed failed, $notrun skipped"
if [ "$test_rc" -ne 0 ] || [ "$consumers_rc" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  echo "test run failed (dotnet test exit $test_rc, consumer tests exit $consumers_rc); full output: $STATE/test-output.log, $STATE/consumers-output.log" >&2
  exit 1
fi
