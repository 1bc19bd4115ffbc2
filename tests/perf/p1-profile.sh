#!/usr/bin/env bash
# P1 profile: samples the library side of P1 (acquire + release over N distinct mem:// URIs with C callers) with
# dotnet-trace's sampled thread time and summarises it (tests/perf/speedscope-summary.py): how much busy time goes to
# the lock manager (routing and creating target actors) and how many threads are in it at once, on average. With one
# manager actor that figure cannot pass 1.0 (the serial point); with manager-shards it can.
# Usage: bash tests/perf/p1-profile.sh [CALLERS=16] [N=100000] [OUT=/tmp/p1-profile]
# Needs dotnet-trace (dotnet tool install -g dotnet-trace, or DOTNET_TRACE=/path/to/dotnet-trace).
set -euo pipefail
cd "$(dirname "$0")/../.."
CALLERS=${1:-16}
N=${2:-100000}
OUT=${3:-/tmp/p1-profile}
TRACE=${DOTNET_TRACE:-$(command -v dotnet-trace || echo "$HOME/.dotnet/tools/dotnet-trace")}
[ -x "$TRACE" ] || { echo "dotnet-trace not found: dotnet tool install -g dotnet-trace, or set DOTNET_TRACE" >&2; exit 1; }
mkdir -p "$OUT"
dotnet build tests/LockActors.Benchmarks -c Release -nologo -clp:ErrorsOnly >/dev/null
DLL=tests/LockActors.Benchmarks/bin/Release/net10.0/LockActors.Benchmarks.dll
"$TRACE" collect --profile dotnet-sampled-thread-time --format Speedscope -o "$OUT/p1.nettrace" -- dotnet "$DLL" p1-load "$CALLERS" "$N" | grep -E '^p1-load' || true
python3 tests/perf/speedscope-summary.py "$OUT/p1.speedscope.json" 25 | tee "$OUT/summary.txt"
