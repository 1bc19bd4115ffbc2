#!/usr/bin/env bash
# Throwaway ProFTPD mod_sftp server: the sftp:// store must REFUSE it (its RENAME checks that the target is absent,
# then calls rename(2), so two racing creators can both win). Debian 12, run as root.
#
#   proftpd-sftp.sh up   <state-dir>   install proftpd-core + proftpd-mod-crypto if missing, start ProFTPD with only
#                                      mod_sftp on 127.0.0.1:<free port>, print ONLY eval-able
#                                      "export LOCKACTORS_PROFTPD_*=..." lines on stdout
#   proftpd-sftp.sh down <state-dir>   stop that ProFTPD by its PID
#
# Everything (config, host key, client key, data dir, logs, pid, scoreboard) lives in <state-dir>; the system
# /etc/proftpd config is never read and the system service is never started. Progress goes to stderr.
set -euo pipefail

usage() { echo "usage: $0 up|down <state-dir>" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
STATE=$(mkdir -p "$2" && cd "$2" && pwd)
SFTP_USER=${LOCKACTORS_PROFTPD_TEST_USER:-lockactors-sftp}
log() { echo "proftpd-sftp.sh: $*" >&2; }
# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"   # stop_pidfile, port_in_use, pick_port, apt_install_quietly

stop() { stop_pidfile "$STATE/proftpd.pid"; }

install_proftpd() {
  [ -x /usr/sbin/proftpd ] && [ -f /usr/lib/proftpd/mod_sftp.so ] && return 0
  log "installing proftpd-core proftpd-mod-crypto"
  # The policy-rc.d of apt_install_quietly keeps the package's postinst from starting the *system* ProFTPD on port 21.
  apt_install_quietly proftpd-core proftpd-mod-crypto
}

up() {
  [ "$(id -u)" = 0 ] || { log "must run as root"; exit 1; }
  install_proftpd
  stop
  mkdir -p "$STATE/data"
  chmod 0755 "$STATE"
  id "$SFTP_USER" >/dev/null 2>&1 || useradd -M -d "$STATE/data" -s /usr/sbin/nologin "$SFTP_USER"
  chown "$SFTP_USER" "$STATE/data"
  if ! runuser -u "$SFTP_USER" -- test -w "$STATE/data" 2>/dev/null; then
    log "user $SFTP_USER cannot write $STATE/data: make its parent directories world-searchable (chmod o+x)"; exit 1
  fi

  # mod_sftp reads PEM host keys and RFC 4716 user keys.
  [ -f "$STATE/host_rsa" ] || ssh-keygen -q -t rsa -b 3072 -m PEM -N '' -C lockactors-proftpd -f "$STATE/host_rsa" </dev/null >&2
  [ -f "$STATE/client_rsa" ] || ssh-keygen -q -t rsa -b 3072 -N '' -C lockactors-proftpd -f "$STATE/client_rsa" </dev/null >&2
  ssh-keygen -e -f "$STATE/client_rsa.pub" > "$STATE/authorized_keys"
  chmod 600 "$STATE/host_rsa" "$STATE/client_rsa"
  chmod 644 "$STATE/authorized_keys"

  local port
  port=$(cat "$STATE/port" 2>/dev/null || pick_port)
  for attempt in 1 2 3 4 5; do
    cat > "$STATE/proftpd.conf" <<EOF
ServerName "lockactors-proftpd-test"
ServerType standalone
DefaultServer on
DefaultAddress 127.0.0.1
SocketBindTight on
UseIPv6 off
Port $port
User nobody
Group nogroup
PidFile $STATE/proftpd.pid
ScoreboardFile $STATE/proftpd.scoreboard
DelayTable none
WtmpLog off
TransferLog none
SystemLog $STATE/proftpd.log
UseReverseDNS off
RequireValidShell off
AuthOrder mod_auth_unix.c
MaxInstances 60
ModulePath /usr/lib/proftpd
LoadModule mod_sftp.c
<IfModule mod_sftp.c>
  SFTPEngine on
  SFTPLog $STATE/sftp.log
  SFTPHostKey $STATE/host_rsa
  SFTPAuthMethods publickey
  SFTPAuthorizedUserKeys file:$STATE/authorized_keys
  SFTPCompression off
</IfModule>
# ProFTPD refuses to overwrite by default (AllowOverwrite off); directories named overwrite-* allow it, so tests see
# both configurations of the same server.
<Directory $STATE/data/overwrite-*>
  AllowOverwrite on
</Directory>
<Limit LOGIN>
  AllowUser $SFTP_USER
  DenyAll
</Limit>
EOF
    rm -f "$STATE/proftpd.pid"
    /usr/sbin/proftpd -t -c "$STATE/proftpd.conf" >&2 2>&1 || true
    if /usr/sbin/proftpd -c "$STATE/proftpd.conf" >&2 2>&1; then
      for _ in $(seq 1 100); do [ -s "$STATE/proftpd.pid" ] && port_in_use "$port" && break; sleep 0.05; done
      [ -s "$STATE/proftpd.pid" ] && break
    fi
    log "proftpd did not start on port $port (attempt $attempt); $(tail -n 2 "$STATE/proftpd.log" 2>/dev/null | tr '\n' ' ')"
    port=$(pick_port)
  done
  [ -s "$STATE/proftpd.pid" ] || { log "giving up; see $STATE/proftpd.log"; exit 1; }
  echo "$port" > "$STATE/port"

  local fp
  fp=$(ssh-keygen -lf "$STATE/host_rsa.pub" | awk '{sub(/^SHA256:/, "", $2); print $2}')
  log "proftpd pid $(cat "$STATE/proftpd.pid") on 127.0.0.1:$port (mod_sftp), user $SFTP_USER, data $STATE/data"
  cat <<EOF
export LOCKACTORS_PROFTPD_HOST=127.0.0.1 LOCKACTORS_PROFTPD_PORT=$port LOCKACTORS_PROFTPD_USER=$SFTP_USER
export LOCKACTORS_PROFTPD_KEY=$STATE/client_rsa LOCKACTORS_PROFTPD_HOSTKEY_SHA256=$fp LOCKACTORS_PROFTPD_ROOT=$STATE/data
EOF
}

case "$cmd" in
  up) up ;;
  down) stop; log "stopped" ;;
  *) usage ;;
esac
