#!/usr/bin/env bash
# Consumer tests: the packages as a new user gets them.
#   1. packs every project under src/ into a local folder feed, at the version src/Directory.Build.props sets;
#   2. copies the consumer applications beside this script (file/, s3/, Program.cs, Directory.Build.props) out of
#      the repository and builds them against that feed plus this machine's NuGet sources, restoring into a packages
#      folder of their own (a stale machine-wide cache cannot hide a packaging bug);
#   3. checks that the file:// consumer, which references only LockActors, pulls in no cloud or SSH SDK
#      (`dotnet list package --include-transitive`: no AWSSDK.*, SSH.NET, Google.*);
#   4. runs each consumer: take a lock, see it held, release it, see it free, take it again.
#      s3 uses the Ceph RGW of tests/servers/ceph-rgw.sh (LOCKACTORS_S3_ENDPOINT, _BUCKET, _ACCESS_KEY, _SECRET_KEY).
#
#   run.sh [state-dir]    work goes to <state-dir>/consumers (default: a new folder under /tmp)
# Prints each step and ends with "consumers: N passed, N failed"; exits non-zero when any step failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
STATE=${1:-$(mktemp -d /tmp/lockactors-consumers.XXXXXX)}
WORK="$STATE/consumers"
FEED="$WORK/feed"
CONFIG=${CONFIGURATION:-Release}
RUN_TIMEOUT=${LOCKACTORS_CONSUMER_TIMEOUT:-90}
export NUGET_PACKAGES="$WORK/packages"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

passed=0; failed=0
ok()   { passed=$((passed + 1)); echo "  ok: $* (${SECONDS}s)"; }
fail() { failed=$((failed + 1)); echo "  FAILED: $*"; }
summary() { echo "consumer tests took ${SECONDS}s"; echo "consumers: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; }

rm -rf "$WORK"
mkdir -p "$FEED"

VERSION=$(dotnet msbuild src/LockActors/LockActors.csproj -getProperty:Version -p:Configuration="$CONFIG")
export LockActorsVersion="$VERSION"   # MSBuild reads it as the consumers' package version (build and list alike)
echo "== packing src/* $VERSION into $FEED"
# One pack of every src project at once, through a solution filter over LockActors.sln.
projects=$(ls src/*/*.csproj | sed 's|/|\\\\|g; s|.*|"&"|' | paste -sd, -)
echo "{\"solution\": {\"path\": \"$ROOT/LockActors.sln\", \"projects\": [$projects]}}" > "$WORK/packages.slnf"
if ! dotnet pack "$WORK/packages.slnf" -c "$CONFIG" -o "$FEED" -nologo -clp:ErrorsOnly > "$WORK/pack.log" 2>&1; then
  cat "$WORK/pack.log"; fail "dotnet pack"; summary; exit 1
fi
for package in "$FEED"/*.nupkg; do
  deps=$(unzip -p "$package" '*.nuspec' | grep -o '<dependency id="[^"]*" version="[^"]*"' \
    | sed -E 's/<dependency id="([^"]*)" version="([^"]*)"/\1 \2/' | paste -sd, - | sed 's/,/, /g' || true)
  echo "  $(basename "$package"): ${deps:-no dependencies}"
done
ok "packed $(ls "$FEED"/*.nupkg | wc -l) packages"

# The feed for LockActors*, this machine's configured sources (the NuGet mirror) for everything else.
{
  echo '<?xml version="1.0" encoding="utf-8"?>'
  echo '<configuration>'
  echo '  <packageSources>'
  echo '    <clear />'
  echo "    <add key=\"lockactors-feed\" value=\"$FEED\" />"
  i=0
  while read -r url; do
    i=$((i + 1)); echo "    <add key=\"upstream-$i\" value=\"$url\" />"
  done < <(dotnet nuget list source --format short | awk '$1 ~ /^E/ { print $2 }')
  echo '  </packageSources>'
  echo '  <packageSourceMapping>'
  echo '    <packageSource key="lockactors-feed"><package pattern="LockActors" /><package pattern="LockActors.*" /></packageSource>'
  for n in $(seq 1 "$i"); do
    echo "    <packageSource key=\"upstream-$n\"><package pattern=\"*\" /></packageSource>"
  done
  echo '  </packageSourceMapping>'
  echo '</configuration>'
} > "$WORK/nuget.config"
cp tests/consumers/Directory.Build.props tests/consumers/Program.cs "$WORK/"

# build <name> <folder>: restores and builds <folder>/<name>.csproj against the feed.
build() {
  if dotnet build "$WORK/$2/$1.csproj" -c Release -nologo -clp:ErrorsOnly \
      > "$WORK/$2.build.log" 2>&1; then
    ok "$1 builds from the packages alone"
  else
    cat "$WORK/$2.build.log"; fail "$1 build"; return 1
  fi
}

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

echo "== file:// consumer (references LockActors only)"
cp -r tests/consumers/file "$WORK/file"
if build FileConsumer file; then
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
fi

echo "== s3:// consumer (references LockActors and LockActors.S3; RGW at ${LOCKACTORS_S3_ENDPOINT:-<unset>})"
cp -r tests/consumers/s3 "$WORK/s3"
if build S3Consumer s3; then
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
fi

summary
