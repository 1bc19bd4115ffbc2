#!/usr/bin/env bash
# Not a server: the clock-skew prerequisite of the reliability tests. Installs Debian's faketime/libfaketime when
# missing and exports the library path the multi-process clock-skew tests preload into a worker process.
#
#   faketime.sh up <state-dir>     installs when missing; prints ONLY eval-able "export ..." lines on stdout
#   faketime.sh down <state-dir>   nothing to stop
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 up|down <state-dir>" >&2; exit 2; }
log() { echo "faketime.sh: $*" >&2; }

find_lib() { find /usr/lib -name 'libfaketime.so.1' -path '*faketime*' 2>/dev/null | grep -v MT | head -1; }

case "$1" in
  up)
    if [ -z "$(find_lib)" ]; then
      log "installing faketime libfaketime (apt)"
      sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
      # Other jobs may hold the dpkg lock on a shared box: wait for it rather than fail.
      $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends faketime libfaketime >&2 || {
        $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update >&2
        $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends faketime libfaketime >&2
      }
    fi
    lib=$(find_lib)
    [ -n "$lib" ] || { log "ERROR: libfaketime.so.1 not found after install"; exit 1; }
    echo "export LOCKACTORS_FAKETIME_LIB=$lib"
    ;;
  down) ;;
  *) echo "usage: $0 up|down <state-dir>" >&2; exit 2 ;;
esac
