#!/usr/bin/env bash
# Consumer tests: the packages as a new user gets them.
#   1. packs every project under src/ into a local folder feed, at the version src/Directory.Build.props sets;
#   2. copies the consumer applications beside this script (file/, s3/, Program.cs, Directory.Build.props) out of
#      the repository and builds them against that feed plus this machine's NuGet sources, restoring into a packages
#      folder of their own (a stale machine-wide cache cannot hide a packaging bug);
#   3. checks that the file:// consumer, which references only LockActors, pulls in no cloud or SSH SDK
#      (`dotnet list package --include-transitive`: no AWSSDK.*, SSH.NET, Google.*);
#   4. runs each consumer: take a lock, see it held, release it, see it free, take it again.
#      s3 uses the Ceph RGW of tests/servers/ceph-rgw.sh (LOCKACTORS_S3_ENDPOINT, _BUCKET, _ACCESS_KEY, _SECRET_KEY);
#   5. builds and runs the README's C# samples from the same feed (readme-samples.sh).
#
#   run.sh [state-dir]    work goes to <state-dir>/consumers (default: a new folder under /tmp)
#   LOCKACTORS_CONSUMERS="file s3 readme" (the default) chooses the parts after packing, e.g. "file readme" without RGW.
# Prints each step and ends with "consumers: N passed, N failed"; exits non-zero when any step failed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/readme-samples.sh"
consumers_init "${1:-}"
PARTS=" ${LOCKACTORS_CONSUMERS:-file s3 readme} "

consumers_pack || { summary; exit 1; }
cp tests/consumers/Program.cs "$WORK/"

# run <name> <folder> <scheme>: runs the consumer, printing what it printed.
run() {
  local out rc=0
  out=$(cd "$WORK/$2" && timeout "$RUN_TIMEOUT" dotnet "bin/Release/net10.0/$1.dll" "$3" 2>&1) || rc=$?
  echo "$out" | sed 's/^/    /'
  if [ "$rc" -eq 0 ]; then ok "$1 took and released a $3:// lock"; else fail "$1 (exit $rc)"; fi
}

# packages <name> <folder>: the consumer's resolved packages, direct and transitive.
packages() {
  dotnet list "$WORK/$2/$1.csproj" package --include-transitive > "$WORK/$2.packages.txt" 2>&1
  grep -E '^\s+>' "$WORK/$2.packages.txt" | awk '{ print $2, $NF }' || true
}

# file_consumer: references LockActors only; no cloud or SSH SDK may reach it.
file_consumer() {
  echo "== file:// consumer (references LockActors only)"
  cp -r tests/consumers/file "$WORK/file"
  consumer_build FileConsumer file || return 0
  local resolved sdks
  resolved=$(packages FileConsumer file)
  echo "$resolved" | sed 's/^/    /'
  sdks=$(echo "$resolved" | grep -E '^(AWSSDK\.|SSH\.NET|Google\.(Apis|Cloud)|BouncyCastle)' || true)
  if [ -z "$resolved" ]; then
    cat "$WORK/file.packages.txt"; fail "dotnet list package showed no packages"
  elif [ -n "$sdks" ]; then
    fail "a file://-only application pulls in a cloud or SSH SDK: $(echo "$sdks" | paste -sd' ' -)"
  else
    ok "no AWSSDK.*, SSH.NET (BouncyCastle) or Google.Apis/Cloud.* among its $(echo "$resolved" | wc -l) packages"
  fi
  run FileConsumer file file
}

# s3_consumer: references LockActors and LockActors.S3; runs against the Ceph RGW test server.
s3_consumer() {
  echo "== s3:// consumer (references LockActors and LockActors.S3; RGW at ${LOCKACTORS_S3_ENDPOINT:-<unset>})"
  cp -r tests/consumers/s3 "$WORK/s3"
  consumer_build S3Consumer s3 || return 0
  if packages S3Consumer s3 | grep -q '^AWSSDK.S3 '; then
    ok "S3Consumer resolves AWSSDK.S3 through LockActors.S3"
  else
    cat "$WORK/s3.packages.txt"; fail "S3Consumer does not resolve AWSSDK.S3"
  fi
  if [ -z "${LOCKACTORS_S3_ENDPOINT:-}" ]; then
    fail "LOCKACTORS_S3_ENDPOINT is not set: start tests/servers/ceph-rgw.sh (tests/run-all.sh does)"
  else
    run S3Consumer s3 s3
  fi
}

[[ "$PARTS" != *" file "* ]] || file_consumer
[[ "$PARTS" != *" s3 "* ]] || s3_consumer
[[ "$PARTS" != *" readme "* ]] || readme_samples
summary
