#!/usr/bin/env bash
# P2 syscall budget: syscalls per file:// acquire + release, for the library (actor + store; default settings and
# lock-actors.stores.file.inline-io = on) and for the raw loop
# (CreateNew + write + close + delete), counted with `strace -f -c` over every thread of the process. Each mode runs
# with 0 and N cycles after the same warm-up; (count(N) - count(0)) / N is the per-cycle figure, so start-up and
# warm-up cancel out. Usage: bash tests/perf/p2-syscalls.sh [N=2000]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-2000}
command -v strace >/dev/null || { echo "strace is needed (apt-get install -y strace)" >&2; exit 1; }
dotnet build tests/LockActors.Benchmarks -c Release -nologo -clp:ErrorsOnly >/dev/null
DLL=tests/LockActors.Benchmarks/bin/Release/net10.0/LockActors.Benchmarks.dll
OUT=$(mktemp -d)
for mode in lib lib-inline raw; do
  for n in 0 "$N"; do
    strace -f -c -o "$OUT/$mode.$n" dotnet "$DLL" p2-trace "$mode" "$n" >/dev/null
  done
done
python3 - "$OUT" "$N" <<'PY'
import sys, re, collections
out, n = sys.argv[1], int(sys.argv[2])
def load(path):
    counts = collections.Counter()
    for line in open(path):
        parts = line.split()
        if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != 'total':
            counts[parts[-1]] += int(parts[3])
    return counts
rows = {}
for mode in ('lib', 'lib-inline', 'raw'):
    a, b = load(f'{out}/{mode}.0'), load(f'{out}/{mode}.{n}')
    rows[mode] = {k: (b[k] - a[k]) / n for k in set(a) | set(b)}
names = sorted({k for m in rows.values() for k, v in m.items() if abs(v) >= 0.05}, key=lambda k: -rows['lib'].get(k, 0))
print(f"syscalls per acquire+release over {n} cycles (strace -f -c, all threads; 0-cycle run subtracted)")
modes = ('lib', 'lib-inline', 'raw')
print("| syscall | library | library, inline-io on | raw |")
print("|---|---|---|---|")
for k in names:
    print(f"| {k} | " + " | ".join(f"{rows[m].get(k, 0):.2f}" for m in modes) + " |")
# sched_yield / futex are thread hand-offs and idle workers spinning: they scale with wall time under strace and vary
# from run to run (1-30 per cycle here); the file-system calls are the deterministic budget.
fs = {'openat', 'open', 'close', 'read', 'write', 'pread64', 'pwrite64', 'lseek', 'flock', 'link', 'linkat', 'unlink',
      'unlinkat', 'rename', 'renameat', 'renameat2', 'fstat', 'newfstatat', 'lstat', 'stat', 'statx', 'getrandom'}
groups = (('file-system calls (incl. read of the random source)', lambda k: k in fs),
          ('scheduler (sched_yield + futex)', lambda k: k in ('sched_yield', 'futex')),
          ('other (memory mapping, ...)', lambda k: k not in fs and k not in ('sched_yield', 'futex')))
for label, member in groups:
    print(f"| *{label}* | " + " | ".join(f"*{sum(v for k, v in rows[m].items() if member(k)):.1f}*" for m in modes) + " |")
print("| **total** | " + " | ".join(f"**{sum(rows[m].values()):.1f}**" for m in modes) + " |")
PY
rm -rf "$OUT"
