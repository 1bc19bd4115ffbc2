#!/usr/bin/env bash
# Test server for the s3:// store: a throwaway single-node Ceph (1 mon + 1 memstore OSD, no mgr) with
# radosgw, all on 127.0.0.1 and all state under <state-dir>; plus npm s3rver, an S3 endpoint that ignores
# conditional headers (the store's start-up probe must refuse it).
#
#   ceph-rgw.sh up <state-dir>    installs Ceph from Debian when missing, starts everything, prints ONLY
#                                 eval-able "export ..." lines on stdout (progress goes to stderr)
#   ceph-rgw.sh down <state-dir>  stops what "up" started, by PID
#
# Ports are picked free at start-up, so several instances (run-all, a developer's, a fault test's) coexist.
set -euo pipefail

ACCESS_KEY=LOCKACTORSAK
SECRET_KEY=LOCKACTORSSECRET
BUCKET=lockactors-tests
S3RVER_VERSION=3.7.1

log() { echo "[ceph-rgw] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() { echo "usage: $0 up|down <state-dir>" >&2; exit 2; }
[ $# -eq 2 ] || usage
CMD=$1
mkdir -p "$2"
D=$(cd "$2" && pwd)

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A base port B with B..B+59 all closed on loopback: mon = B, OSD/RGW messenger range = B+10..B+49, rgw = B+50,
# s3rver = B+51.
pick_base_port() {
  local base p busy
  for _ in $(seq 1 50); do
    base=$(( 20000 + (RANDOM % 400) * 100 ))
    busy=0
    for p in $(seq "$base" $((base + 59))); do
      if port_in_use "$p"; then busy=1; break; fi
    done
    [ $busy -eq 0 ] && { echo "$base"; return; }
  done
  die "no free block of 60 loopback ports found"
}

install_ceph() {
  if command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null && command -v radosgw >/dev/null \
     && command -v radosgw-admin >/dev/null && command -v ceph >/dev/null; then
    return
  fi
  log "installing ceph-mon ceph-osd radosgw ceph-common from Debian (~70 MB)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  # policy-rc.d exiting 101 keeps the packages' maintainer scripts from starting system services.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod +x "$policy"
    created_policy=1
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    ceph-mon ceph-osd radosgw ceph-common >&2
  if [ $created_policy -eq 1 ]; then $sudo rm -f "$policy"; fi
  command -v radosgw >/dev/null || die "radosgw is still missing after apt-get install"
}

install_s3rver() {
  command -v npm >/dev/null || { log "npm not found: s3rver (the unsafe-endpoint fixture) is skipped"; return 1; }
  local dir="$D/s3rver-pkg"
  if [ ! -x "$dir/node_modules/.bin/s3rver" ]; then
    log "installing s3rver@$S3RVER_VERSION with npm into $dir"
    mkdir -p "$dir"
    npm install --silent --no-audit --no-fund --prefix "$dir" "s3rver@$S3RVER_VERSION" >&2 \
      || { log "npm install s3rver failed"; return 1; }
  fi
}

wait_for() { # <tries> <sleep> <command...>
  local tries=$1 pause=$2; shift 2
  for _ in $(seq 1 "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep "$pause"; done
  return 1
}

up() {
  install_ceph
  [ -f "$D/rgw.pid" ] && kill -0 "$(cat "$D/rgw.pid")" 2>/dev/null && die "already running in $D (run down first)"
  rm -rf "$D"/{run,log,mon,osd,ceph.conf,keyring,monmap,*.pid,env}
  mkdir -p "$D"/{run,log,mon,osd}
  # npm install of s3rver (~10 s) overlaps with the Ceph start.
  log "installing s3rver in the background (log: $D/log/s3rver-install.out)"
  install_s3rver 2>"$D/log/s3rver-install.out" &
  local s3rver_install=$!
  local t0 base mon_port rgw_port s3rver_port fsid osd_uuid osd_id
  t0=$(date +%s%N)
  elapsed() { echo "$(( ($(date +%s%N) - t0) / 1000000 )) ms"; }
  base=$(pick_base_port)
  mon_port=$base; rgw_port=$((base + 50)); s3rver_port=$((base + 51))
  fsid=$(cat /proc/sys/kernel/random/uuid)
  cat > "$D/ceph.conf" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
# loopback only, msgr2 only, ports inside this instance's private block
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
ms bind port min = $((base + 10))
ms bind port max = $((base + 49))
# a throwaway test cluster: no cephx
auth cluster required = none
auth service required = none
auth client required = none
# without these the msgr2 client handshake to the mon stalls when auth is none
ms mon client mode = crc secure
ms client mode = crc secure
# every file under the state dir (nothing in /var/run, /var/lib/ceph or /var/log)
run dir = $D/run
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
pid file = $D/run/\$name.pid
keyring = $D/keyring
mon data = $D/mon/\$cluster-\$id
osd data = $D/osd/\$cluster-\$id
# one in-memory OSD, pools of size 1
osd objectstore = memstore
memstore device bytes = 2147483648
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon max pg per osd = 1000
osd crush chooseleaf type = 0
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
mon cluster log to file = false
mon cluster log file = $D/log/ceph.log
# fast paxos commits: pool creation by radosgw takes ~0.1 s instead of ~2 s
paxos propose interval = 0.05
paxos min wait = 0.01
osd op num threads per shard = 1
osd op num shards = 2
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port tcp_nodelay=1
rgw thread pool size = 64
rgw enable usage log = false
rgw dns name = 127.0.0.1
EOF
  export CEPH_CONF="$D/ceph.conf"
  ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  monmaptool --create --addv a "[v2:127.0.0.1:$mon_port]" --fsid "$fsid" "$D/monmap" >/dev/null
  ceph-mon --mkfs -i a --monmap "$D/monmap" --keyring "$D/keyring" >"$D/log/mon.mkfs.out" 2>&1 \
    || die "ceph-mon --mkfs failed; see $D/log"
  ceph-mon -i a -f >"$D/log/mon.a.out" 2>&1 &
  echo $! > "$D/mon.pid"
  wait_for 100 0.2 ceph --connect-timeout 2 mon stat || die "mon did not come up; see $D/log"
  log "mon up on :$mon_port (+$(elapsed))"

  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  osd_id=$(ceph osd new "$osd_uuid")
  mkdir -p "$D/osd/ceph-$osd_id"
  ceph-osd -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >"$D/log/osd.mkfs.out" 2>&1 || die "ceph-osd --mkfs failed; see $D/log"
  ceph-osd -i "$osd_id" -f >"$D/log/osd.$osd_id.out" 2>&1 &
  echo $! > "$D/osd.pid"
  osd_up() { ceph osd stat 2>/dev/null | grep -q '1 up'; }
  wait_for 150 0.2 osd_up || die "osd did not come up; see $D/log"
  log "osd up (+$(elapsed))"

  radosgw -n client.rgw.a -f >"$D/log/rgw.out" 2>&1 &
  echo $! > "$D/rgw.pid"
  wait_for 300 0.1 curl -s -o /dev/null "http://127.0.0.1:$rgw_port/" || die "radosgw did not come up; see $D/log"
  log "rgw up on :$rgw_port (+$(elapsed))"

  radosgw-admin user create --uid=lockactors --display-name=lockactors \
    --access-key="$ACCESS_KEY" --secret="$SECRET_KEY" >/dev/null 2>"$D/log/user-create.err" \
    || die "radosgw-admin user create failed; see $D/log/user-create.err"
  create_bucket "http://127.0.0.1:$rgw_port" || die "could not create bucket $BUCKET"
  log "user + bucket '$BUCKET' ready (+$(elapsed)); RGW start $(elapsed) total"
  echo "$(elapsed)" > "$D/start-time"

  local exports="export LOCKACTORS_S3_ENDPOINT=http://127.0.0.1:$rgw_port LOCKACTORS_S3_ACCESS_KEY=$ACCESS_KEY LOCKACTORS_S3_SECRET_KEY=$SECRET_KEY LOCKACTORS_S3_BUCKET=$BUCKET"
  if wait "$s3rver_install"; then
    mkdir -p "$D/s3rver-data"
    "$D/s3rver-pkg/node_modules/.bin/s3rver" -d "$D/s3rver-data" -a 127.0.0.1 -p "$s3rver_port" \
      --configure-bucket "$BUCKET" --silent >"$D/log/s3rver.out" 2>&1 &
    echo $! > "$D/s3rver.pid"
    if wait_for 100 0.1 curl -s -o /dev/null "http://127.0.0.1:$s3rver_port/"; then
      log "s3rver up on :$s3rver_port"
      exports="$exports LOCKACTORS_S3RVER_ENDPOINT=http://127.0.0.1:$s3rver_port"
    else
      log "s3rver did not come up; see $D/log/s3rver.out"
    fi
  else
    log "s3rver unavailable (tests that need it will fail loudly); see $D/log/s3rver-install.out"
  fi
  echo "$exports" > "$D/env"
  echo "$exports"
}

# PUT /<bucket> signed with AWS SigV4 by curl (curl >= 7.75 has --aws-sigv4); no extra tools needed.
create_bucket() {
  local url=$1 code
  # curl 7.88 does not send x-amz-content-sha256 itself; RGW needs it signed (here: the empty body's hash).
  code=$(curl -s -o "$D/log/bucket-create.out" -w '%{http_code}' -X PUT \
    -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
    --aws-sigv4 "aws:amz:us-east-1:s3" --user "$ACCESS_KEY:$SECRET_KEY" "$url/$BUCKET")
  [ "$code" = 200 ] || [ "$code" = 409 ]
}

down() {
  local p f pid
  for p in s3rver rgw osd mon; do
    f="$D/$p.pid"; [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    rm -f "$f"
  done
  log "stopped (state left in $D)"
}

case "$CMD" in
  up) up ;;
  down) down ;;
  *) usage ;;
esac
