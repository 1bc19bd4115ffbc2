#!/usr/bin/env bash
# Not a server: the c2fo/vfs interoperation prerequisite. Installs Debian's golang when `go` is missing and builds the
# standard-library-only program in tests/interop/c2fo (it writes and judges c2fo lockfile sidecars with Go's own
# encoding/json), then exports its path for the .NET interop tests (LockActors.Tests/Interop).
#
#   go-c2fo.sh up <state-dir>     installs when missing, builds; prints ONLY eval-able "export ..." lines on stdout
#   go-c2fo.sh down <state-dir>   nothing to stop
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 up|down <state-dir>" >&2; exit 2; }
log() { echo "go-c2fo.sh: $*" >&2; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

case "$1" in
  up)
    if ! command -v go >/dev/null 2>&1; then
      log "installing golang (apt)"
      sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
      # Other jobs may hold the dpkg lock on a shared box: wait for it rather than fail.
      $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends golang >&2 || {
        $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update >&2
        $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends golang >&2
      }
    fi
    mkdir -p "$2"
    # Never fetch a module or a toolchain (none is reachable here): standard library only, the local toolchain only.
    (cd "$ROOT/tests/interop/c2fo" && GOTOOLCHAIN=local GOFLAGS=-mod=mod GOPROXY=off GOCACHE="$2/go-cache" \
      go build -o "$2/c2fo-interop" .) >&2 || { log "ERROR: go build of tests/interop/c2fo failed"; exit 1; }
    log "built $2/c2fo-interop with $(go version)"
    echo "export LOCKACTORS_C2FO_TOOL=$2/c2fo-interop"
    ;;
  down) ;;
  *) echo "usage: $0 up|down <state-dir>" >&2; exit 2 ;;
esac
