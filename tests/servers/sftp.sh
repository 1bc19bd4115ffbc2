#!/usr/bin/env bash
# Throwaway OpenSSH SFTP server for the sftp:// lock store tests (Debian 12, run as root).
#
#   sftp.sh up   <state-dir>   install openssh-server if missing, start sshd on 127.0.0.1:<free port>,
#                              print ONLY eval-able "export LOCKACTORS_SFTP_*=..." lines on stdout
#   sftp.sh down <state-dir>   stop that sshd by its PID
#
# Everything (config, host key, client keys, password, data dir, log, pid) lives in <state-dir>.
# It never edits /etc/ssh/sshd_config and never starts or stops the system ssh service.
# A second "up" on the same state dir reuses its keys and port (tests restart a private server
# this way and the pinned host key still matches). Progress goes to stderr.
set -euo pipefail

usage() { echo "usage: $0 up|down <state-dir>" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
STATE=$(mkdir -p "$2" && cd "$2" && pwd)   # sshd needs absolute paths everywhere
SFTP_USER=${LOCKACTORS_SFTP_TEST_USER:-lockactors-sftp}
log() { echo "sftp.sh: $*" >&2; }
# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"   # stop_pidfile, port_in_use, pick_port, apt_install_quietly

stop() { stop_pidfile "$STATE/sshd.pid"; }

install_sshd() {
  [ -x /usr/sbin/sshd ] && return 0
  log "installing openssh-server"
  # The policy-rc.d of apt_install_quietly keeps the package's postinst from starting the *system* sshd.
  apt_install_quietly openssh-server
}

keygen() {   # keygen <file> <ssh-keygen args...>: create once, reuse afterwards
  local file=$1; shift
  [ -f "$file" ] || ssh-keygen -q "$@" -C "lockactors-sftp-test" -f "$file" </dev/null >&2
}

up() {
  [ "$(id -u)" = 0 ] || { log "must run as root (creates a test user, may install openssh-server)"; exit 1; }
  install_sshd
  stop
  mkdir -p "$STATE/data" /run/sshd        # /run/sshd = privilege-separation dir, normally made by the init script
  chmod 0755 /run/sshd "$STATE"

  keygen "$STATE/host_ed25519" -t ed25519 -N ''
  keygen "$STATE/client_ed25519" -t ed25519 -N ''
  keygen "$STATE/client_rsa" -t rsa -b 3072 -N ''
  keygen "$STATE/client_ecdsa" -t ecdsa -b 256 -N ''
  [ -f "$STATE/passphrase" ] || head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$STATE/passphrase"
  keygen "$STATE/client_ed25519_protected" -t ed25519 -N "$(cat "$STATE/passphrase")"
  keygen "$STATE/unauthorized_ed25519" -t ed25519 -N ''   # valid key the server does not know
  cat "$STATE"/client_{ed25519,rsa,ecdsa,ed25519_protected}.pub > "$STATE/authorized_keys"
  chmod 644 "$STATE/authorized_keys"      # read by sshd as the target user
  chmod 600 "$STATE"/client_* "$STATE/unauthorized_ed25519" "$STATE/passphrase"

  # A dedicated user with a random password (for password-auth tests); root is never used over SSH.
  # Test processes may start private servers concurrently: useradd/chpasswd can lose a race or find
  # /etc/passwd locked, so retry; the password is only (re)set when it was just generated.
  local set_password=0
  for _ in $(seq 1 20); do
    id "$SFTP_USER" >/dev/null 2>&1 && break
    useradd -M -d "$STATE/data" -s /usr/sbin/nologin "$SFTP_USER" 2>/dev/null && { set_password=1; break; }
    sleep 0.2
  done
  id "$SFTP_USER" >/dev/null || { log "cannot create user $SFTP_USER"; exit 1; }
  # One password per user, shared by every state dir: a second "up" must not change the password under a running one.
  local pwstore=/run/lockactors-sftp-test
  mkdir -p "$pwstore" && chmod 700 "$pwstore"
  if [ ! -s "$pwstore/$SFTP_USER.password" ]; then
    head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$pwstore/$SFTP_USER.password.$$"
    if mv -n "$pwstore/$SFTP_USER.password.$$" "$pwstore/$SFTP_USER.password" 2>/dev/null && [ ! -e "$pwstore/$SFTP_USER.password.$$" ]; then
      set_password=1
    fi
    rm -f "$pwstore/$SFTP_USER.password.$$"
  fi
  if [ "$set_password" = 1 ]; then
    # Also unlocks the account: useradd leaves '!' (locked), and with UsePAM no sshd then refuses even key auth.
    for _ in $(seq 1 20); do
      echo "$SFTP_USER:$(cat "$pwstore/$SFTP_USER.password")" | chpasswd 2>/dev/null && break
      sleep 0.2
    done
  fi
  cp "$pwstore/$SFTP_USER.password" "$STATE/password"
  chmod 600 "$STATE/password"
  chown "$SFTP_USER" "$STATE/data"
  # sshd serves files as that user: every parent of the data dir must be searchable by it (mktemp -d makes 0700).
  if ! runuser -u "$SFTP_USER" -- test -w "$STATE/data" 2>/dev/null; then
    log "user $SFTP_USER cannot write $STATE/data: make its parent directories world-searchable (chmod o+x)"; exit 1
  fi

  local port
  port=$(cat "$STATE/port" 2>/dev/null || pick_port)
  for attempt in 1 2 3 4 5; do
    cat > "$STATE/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $port
HostKey $STATE/host_ed25519
PidFile $STATE/sshd.pid
AuthorizedKeysFile $STATE/authorized_keys
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication yes
PermitEmptyPasswords no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin no
AllowUsers $SFTP_USER
AllowTcpForwarding no
X11Forwarding no
UseDNS no
MaxStartups 200:30:400
MaxSessions 100
MaxAuthTries 10
LogLevel ${LOCKACTORS_SFTP_LOGLEVEL:-INFO}
Subsystem sftp internal-sftp -l ${LOCKACTORS_SFTP_SFTPLOG:-ERROR} -d $STATE/data
ForceCommand internal-sftp -l ${LOCKACTORS_SFTP_SFTPLOG:-ERROR} -d $STATE/data
EOF
    rm -f "$STATE/sshd.pid"
    /usr/sbin/sshd -t -f "$STATE/sshd_config"
    # Absolute binary path is mandatory (sshd re-execs itself). The pid file appears once the socket is bound.
    if /usr/sbin/sshd -f "$STATE/sshd_config" -E "$STATE/sshd.log"; then
      for _ in $(seq 1 100); do [ -s "$STATE/sshd.pid" ] && break; sleep 0.05; done
      [ -s "$STATE/sshd.pid" ] && break
    fi
    log "sshd did not start on port $port (attempt $attempt); $(tail -n 2 "$STATE/sshd.log" 2>/dev/null | tr '\n' ' ')"
    port=$(pick_port)
  done
  [ -s "$STATE/sshd.pid" ] || { log "giving up; see $STATE/sshd.log"; exit 1; }
  echo "$port" > "$STATE/port"

  local fp
  fp=$(ssh-keygen -lf "$STATE/host_ed25519.pub" | awk '{sub(/^SHA256:/, "", $2); print $2}')
  log "sshd pid $(cat "$STATE/sshd.pid") on 127.0.0.1:$port, user $SFTP_USER, data $STATE/data"
  cat <<EOF
export LOCKACTORS_SFTP_HOST=127.0.0.1 LOCKACTORS_SFTP_PORT=$port LOCKACTORS_SFTP_USER=$SFTP_USER
export LOCKACTORS_SFTP_KEY=$STATE/client_ed25519 LOCKACTORS_SFTP_HOSTKEY_SHA256=$fp
export LOCKACTORS_SFTP_ROOT=$STATE/data LOCKACTORS_SFTP_PIDFILE=$STATE/sshd.pid
export LOCKACTORS_SFTP_KEY_RSA=$STATE/client_rsa LOCKACTORS_SFTP_KEY_ECDSA=$STATE/client_ecdsa
export LOCKACTORS_SFTP_KEY_PROTECTED=$STATE/client_ed25519_protected LOCKACTORS_SFTP_KEY_PASSPHRASE_FILE=$STATE/passphrase
export LOCKACTORS_SFTP_KEY_UNAUTHORIZED=$STATE/unauthorized_ed25519 LOCKACTORS_SFTP_PASSWORD_FILE=$STATE/password
EOF
}

case "$cmd" in
  up) up ;;
  down) stop; log "stopped" ;;
  *) usage ;;
esac
