#!/usr/bin/env python3
"""Summarises a dotnet-trace sampled-thread-time profile converted to speedscope JSON.

usage: speedscope-summary.py PROFILE.speedscope.json [TOP]

The sampler marks each stack with a pseudo-frame: CPU_TIME (running managed code) or UNMANAGED_CODE_TIME (in native
code: mostly waiting on this machine). Busy time is the CPU_TIME samples, over every thread, except those whose frame
is a thread pool worker spinning or parking (IDLE). Prints the share of busy
time spent in a few named groups (inclusive) and how many threads were in each group at once on average (busy ms of
the group / wall ms: one actor can never pass 1.0), then the top frames, inclusive and exclusive.
"""
import collections
import json
import sys

RUNNING = 'CPU_TIME'
# Managed frames that spin or park an idle thread: not work.
IDLE = ('LowLevelSpinWaiter', 'LowLevelLifoSemaphore', 'PollGCWorker', 'WaitOneNoCheck', 'Monitor.Wait', 'SpinWait',
        'WorkerThreadStart()', 'TimerQueue.TimerThread', 'Monitor.Enter_Slowpath')
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
            if names[-1] == RUNNING and len(names) > 1 and not any(i in names[-2] for i in IDLE):
                names = names[:-1]
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
