#!/usr/bin/env bash
# The README's C# samples, built from the packed packages and run: a sample that no longer compiles or runs fails
# the consumer tests (and so tests/run-all.sh).
#
# Convention: every ```csharp block in README.md has, on the line just before it, one of these markers:
#   <!-- sample: program NAME -->
#       The block is a whole Program.cs: `using` lines, then top-level statements (and local functions; no type
#       declarations, no `return`). It is run with TMPDIR set to a fresh empty folder (Path.GetTempPath()).
#   <!-- sample: snippet NAME(system, uri, client) -->
#       The block is a fragment that uses the values named in the parentheses, any of: `system` (an ActorSystem),
#       `uri` (a file:// target in a fresh folder under TMPDIR), `client` (that system's LockClient). Its leading
#       `using` lines go to the top of its file; the rest becomes the body of an async method with those parameters.
#   Either may end with ` build-only`: compiled, not run (the sample needs a server, e.g. S3).
#   <!-- sample: file NAME -->   (before any other fenced block, e.g. ```json)
#       The block is written to a file NAME beside every sample run (e.g. appsettings.json, which the Hosting
#       programs read from their working folder).
#   <!-- sample: skip: REASON -->
#       Not compiled here; the reason says where it is compiled instead (e.g. against the repository's test suites).
# A run passes when the sample exits 0 within $RUN_TIMEOUT seconds and leaves no *.lock file under its TMPDIR.
# Compiler errors point at README.md lines (#line directives).
#
#   readme-samples.sh [state-dir]   packs src/ itself (tests/consumers/lib.sh) and checks the samples;
#                                   run.sh sources this file and calls readme_samples after packing.

# readme_samples: extracts, builds and runs the samples in $WORK/readme, using the feed consumers_pack made.
readme_samples() {
  echo "== README samples (README.md's C# blocks against the packed LockActors, LockActors.S3, Microsoft.Extensions.Hosting)"
  local dir="$WORK/readme" list kind name mode tmp out rc
  rm -rf "$dir"; mkdir -p "$dir"
  cp tests/consumers/readme/ReadmeSamples.csproj tests/consumers/readme/Harness.cs "$dir/"
  if ! list=$(awk -v out="$dir" -f tests/consumers/readme/extract.awk README.md); then
    fail "README samples could not be extracted (see the README.md line above)"; return 0
  fi
  echo "$list" | sed 's/^/    /'
  consumer_build ReadmeSamples readme || return 0
  while read -r kind name mode; do
    [ "$mode" = run ] || continue
    tmp=$(mktemp -d "$WORK/readme-tmp.XXXXXX")
    echo "$list" | awk '$1 == "file" { print $2 }' | while read -r file; do cp "$dir/$file" "$tmp/"; done
    rc=0
    out=$(cd "$tmp" && TMPDIR="$tmp" timeout "$RUN_TIMEOUT" dotnet "$dir/bin/Release/net10.0/ReadmeSamples.dll" "$kind" "$name" 2>&1) || rc=$?
    echo "$out" | sed 's/^/    /'
    if [ "$rc" -ne 0 ]; then
      fail "README $kind '$name' (exit $rc)"
    elif leftover=$(find "$tmp" -name '*.lock' | sed "s|$tmp/||" | paste -sd' ' -) && [ -n "$leftover" ]; then
      fail "README $kind '$name' left lock files behind: $leftover"
    else
      ok "README $kind '$name' ran and left no lock file"
    fi
  done <<< "$list"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  source "$(dirname "$0")/lib.sh"
  consumers_init "${1:-}"
  consumers_pack || { summary; exit 1; }
  readme_samples
  summary
fi
