#!/usr/bin/env bash
# Shared by the consumer scripts (run.sh, readme-samples.sh); source it, don't run it.
#   consumers_init [state-dir]   sets ROOT, WORK (<state-dir>/consumers), FEED, CONFIG, RUN_TIMEOUT and an isolated
#                                NUGET_PACKAGES; the pass/fail counters start at zero
#   consumers_pack               packs every src/ project into $FEED and writes $WORK/nuget.config (the feed for
#                                LockActors*, this machine's sources for the rest) and $WORK/Directory.Build.props
#   consumer_build <name> <dir>  restores and builds $WORK/<dir>/<name>.csproj against the feed
#   ok / fail / summary          count a step, and print "consumers: N passed, N failed" (non-zero when any failed)

consumers_init() {
  cd "$(dirname "${BASH_SOURCE[0]}")/../.."
  ROOT=$(pwd)
  STATE=${1:-$(mktemp -d /tmp/lockactors-consumers.XXXXXX)}
  WORK="$STATE/consumers"
  FEED="$WORK/feed"
  CONFIG=${CONFIGURATION:-Release}
  RUN_TIMEOUT=${LOCKACTORS_CONSUMER_TIMEOUT:-90}
  export NUGET_PACKAGES="$WORK/packages"
  export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
  passed=0; failed=0
}

ok()   { passed=$((passed + 1)); echo "  ok: $* (${SECONDS}s)"; }
fail() { failed=$((failed + 1)); echo "  FAILED: $*"; }
summary() { echo "consumer tests took ${SECONDS}s"; echo "consumers: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; }

consumers_pack() {
  rm -rf "$WORK"
  mkdir -p "$FEED"

  VERSION=$(dotnet msbuild src/LockActors/LockActors.csproj -getProperty:Version -p:Configuration="$CONFIG")
  export LockActorsVersion="$VERSION"   # MSBuild reads it as the consumers' package version (build and list alike)
  echo "== packing src/* $VERSION into $FEED"
  # One pack of every src project at once, through a solution filter over LockActors.sln.
  local projects package deps
  projects=$(ls src/*/*.csproj | sed 's|/|\\\\|g; s|.*|"&"|' | paste -sd, -)
  echo "{\"solution\": {\"path\": \"$ROOT/LockActors.sln\", \"projects\": [$projects]}}" > "$WORK/packages.slnf"
  if ! dotnet pack "$WORK/packages.slnf" -c "$CONFIG" -o "$FEED" -nologo -clp:ErrorsOnly > "$WORK/pack.log" 2>&1; then
    cat "$WORK/pack.log"; fail "dotnet pack"; return 1
  fi
  for package in "$FEED"/*.nupkg; do
    deps=$(unzip -p "$package" '*.nuspec' | grep -o '<dependency id="[^"]*" version="[^"]*"' \
      | sed -E 's/<dependency id="([^"]*)" version="([^"]*)"/\1 \2/' | paste -sd, - | sed 's/,/, /g' || true)
    echo "  $(basename "$package"): ${deps:-no dependencies}"
  done
  ok "packed $(ls "$FEED"/*.nupkg | wc -l) packages"

  # The feed for LockActors*, this machine's configured sources (the NuGet mirror) for everything else.
  local url i=0 n
  {
    echo '<?xml version="1.0" encoding="utf-8"?>'
    echo '<configuration>'
    echo '  <packageSources>'
    echo '    <clear />'
    echo "    <add key=\"lockactors-feed\" value=\"$FEED\" />"
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
  cp tests/consumers/Directory.Build.props "$WORK/"
}

consumer_build() {
  if dotnet build "$WORK/$2/$1.csproj" -c Release -nologo -clp:ErrorsOnly \
      > "$WORK/$2.build.log" 2>&1; then
    ok "$1 builds from the packages alone"
  else
    cat "$WORK/$2.build.log"; fail "$1 build"; return 1
  fi
}
