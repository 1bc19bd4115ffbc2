# Shared helpers of the throwaway test servers in tests/servers/*.sh; sourced, never run (tests/run-all.sh runs
# every top-level tests/servers/*.sh as a server script, which is why this lives one level down).
# The sourcing script defines log() (its own prefix) and sets -euo pipefail.

# stop_pidfile <pidfile>: stop the process named in it (TERM, up to 5 s, then KILL) and remove the file.
stop_pidfile() {
  local pidfile=$1
  [ -s "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

port_in_use() {   # true when something listens on 127.0.0.1/0.0.0.0:$1 (no ss/netstat needed)
  local hex; hex=$(printf '%04X' "$1")
  awk -v p=":$hex" 'NR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

pick_port() {   # a random port in 20000..59999 that nothing listens on
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 40000))
    port_in_use "$port" || { echo "$port"; return 0; }
  done
  log "no free port found"; return 1
}

# apt_install_quietly <package>...: install from Debian without letting the packages' postinst start their
# *system* services (a policy-rc.d that exits 101, removed again if this call created it).
apt_install_quietly() {
  local own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; own_policy=1
  fi
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
  [ "$own_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  return 0
}
