#!/usr/bin/env python3
"""Summarises a dotnet-trace sampled-thread-time profile converted to speedscope JSON.

usage: speedscope-summary.py PROFILE.speedscope.json [TOP]

Prints, over every thread's samples that are not waiting (blocked, sleeping, idle): the share of busy time spent in a
few named groups (inclusive), the top frames (inclusive and exclusive), and the "serial point" figure: for the busiest
single manager actor thread share. Wait frames are the same list the lead used for the round-1 profile.
"""
import collections
import json
import sys

WAIT = ('WaitOneNoCheck', 'WaitForSignal', 'Monitor.Wait', 'WaitNative', 'PollGCWorker', 'LowLevelSpinWaiter',
        'Thread.Sleep', 'Monitor.Enter_Slowpath', 'UNMANAGED_CODE_TIME', 'CPU_TIME')
GROUPS = {
    'LockManager (all shards, routing + child creation)': 'LockActors.Actors.LockManager.',
    '  of which ActorCell.MakeChild (creating target actors)': None,
    'router: target hash on the caller thread (ManagerShardPool)': 'ManagerShardPool',
    'LockTarget.Parse / Normalize': 'LockTarget.Normalize',
    'TargetLockActor': 'LockActors.Actors.TargetLockActor.',
}

profile = json.load(open(sys.argv[1]))
top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
frames = [f['name'] for f in profile['shared']['frames']]
inclusive, exclusive = collections.Counter(), collections.Counter()
groups = collections.Counter()
busy = 0.0
start, end = None, None
for thread in profile['profiles']:
    stack, last = [], None
    for event in thread['events']:
        at = event['at']
        start = at if start is None else min(start, at)
        end = at if end is None else max(end, at)
        if last is not None and stack and at > last:
            width = at - last
            names = [frames[i] for i in stack]
            if not any(w in names[-1] for w in WAIT):
                busy += width
                exclusive[names[-1]] += width
                for name in set(names):
                    inclusive[name] += width
                manager = any('LockActors.Actors.LockManager.' in n for n in names)
                for label, needle in GROUPS.items():
                    if needle is None:
                        hit = manager and any('ActorCell.MakeChild' in n for n in names)
                    else:
                        hit = any(needle in n for n in names)
                    if hit:
                        groups[label] += width
        last = at
        if event['type'] == 'O':
            stack.append(event['frame'])
        elif stack:
            stack.pop()

wall = (end - start) if start is not None else 0
print(f'busy thread time {busy:,.0f} ms over {wall:,.0f} ms of wall time (average {busy / wall if wall else 0:.2f} busy threads)')
print('--- groups (share of busy time; "threads" = average number of threads in it at once)')
for label in GROUPS:
    print(f'{100 * groups[label] / busy:6.2f}%  {groups[label] / wall if wall else 0:5.2f} threads  {label}')
print('--- inclusive')
for name, width in inclusive.most_common(top):
    print(f'{100 * width / busy:6.2f}% {name[:150]}')
print('--- exclusive')
for name, width in exclusive.most_common(top):
    print(f'{100 * width / busy:6.2f}% {name[:150]}')
