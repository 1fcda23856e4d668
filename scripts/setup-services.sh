#!/usr/bin/env bash
# Make sure RabbitMQ (127.0.0.1:5672) and PostgreSQL (127.0.0.1:5432) answer on this machine, and
# that they hold what the tests and the demo need: the PostgreSQL role bgw/bgw with the databases
# bgw_test and bgw_demo and the demo nodes' bgw_kz, bgw_uz, bgw_az (the database_url suggested in
# config/<side>.toml), and the RabbitMQ demo users with per-side permissions: the nodes' bgw-kz,
# bgw-uz, bgw-az and their national systems' bgw-kz-national, bgw-uz-national, bgw-az-national
# (see deploy/rabbitmq/README.md).
#
# Installs Debian's rabbitmq-server / postgresql when missing and starts them without systemd.
# Idempotent: prints one line per action taken and nothing when everything is already in place.
# It never stops or restarts a running service.
set -euo pipefail

WAIT_SECONDS=${WAIT_SECONDS:-120}
PG_ROLE=bgw
PG_PASSWORD=bgw
PG_DATABASES=(bgw_test bgw_demo bgw_kz bgw_uz bgw_az)
RABBIT_VHOST=/
# side -> its peers (a side may write only into its peers' bgw.<PEER>.in exchanges)
declare -A RABBIT_PEERS=([KZ]="UZ AZ" [UZ]="KZ" [AZ]="KZ")

say() { echo "services: $*"; }
die() {
  echo "services: error: $*" >&2
  exit 1
}

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
# /usr/sbin holds rabbitmqctl and friends; not every user's PATH has it.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

package_installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}

apt_updated=""
apt_install() {
  say "installing Debian package $1"
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "$apt_updated" ]; then
    "${SUDO[@]}" apt-get update -qq
    apt_updated=1
  fi
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "$1" >/dev/null
}

# ---------------------------------------------------------------- RabbitMQ

rabbitmqctl_() { "${SUDO[@]}" rabbitmqctl -q "$@"; }

ensure_rabbitmq_running() {
  port_open 5672 && return 0
  package_installed rabbitmq-server || apt_install rabbitmq-server
  # The package's maintainer scripts may have started it already.
  if port_open 5672; then return 0; fi
  if "${SUDO[@]}" rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
    say "RabbitMQ node is up but not yet listening on 127.0.0.1:5672; waiting"
  else
    say "starting RabbitMQ (rabbitmq-server -detached)"
    "${SUDO[@]}" rabbitmq-server -detached >/dev/null 2>&1 ||
      die "rabbitmq-server -detached failed; see /var/log/rabbitmq/"
  fi
  local deadline=$((SECONDS + WAIT_SECONDS)) left
  while :; do
    left=$((deadline - SECONDS))
    [ "$left" -gt 0 ] ||
      die "RabbitMQ did not answer on 127.0.0.1:5672 within ${WAIT_SECONDS}s; see /var/log/rabbitmq/"
    if rabbitmqctl_ --timeout "$left" await_startup >/dev/null 2>&1 && port_open 5672; then
      break
    fi
    sleep 2
  done
  say "RabbitMQ answers on 127.0.0.1:5672"
}

# "<user>\t<configure>\t<write>\t<read>" for every user with permissions on the vhost
rabbit_permissions() {
  rabbitmqctl_ --no-table-headers list_permissions -p "$RABBIT_VHOST"
}

# One user with its password (= its name, for the demo) and exactly these permissions on the vhost.
ensure_rabbit_account() {
  local user=$1 configure=$2 write=$3 read=$4 users=$5 permissions=$6 password wanted
  password=$user
  if ! grep -qxF -- "$user" <<<"$users"; then
    say "creating RabbitMQ user $user"
    rabbitmqctl_ add_user "$user" "$password" >/dev/null
  elif ! rabbitmqctl_ authenticate_user "$user" "$password" >/dev/null 2>&1; then
    say "resetting the password of RabbitMQ user $user"
    rabbitmqctl_ change_password "$user" "$password" >/dev/null
  fi
  wanted=$(printf '%s\t%s\t%s\t%s' "$user" "$configure" "$write" "$read")
  if ! grep -qxF -- "$wanted" <<<"$permissions"; then
    say "setting RabbitMQ permissions of $user on vhost $RABBIT_VHOST"
    rabbitmqctl_ set_permissions -p "$RABBIT_VHOST" "$user" "$configure" "$write" "$read" >/dev/null
    rabbit_permissions | grep -qxF -- "$wanted" ||
      die "permissions of $user did not read back as: $configure $write $read"
  fi
}

# The node of one side (bgw-<side>): its own bgw.<SIDE>.* objects and server-named reply queues,
# plus a write on its peers' inbound exchanges and on the default exchange (the answers to reply_to).
ensure_rabbit_node_user() {
  local side=$1 peers
  peers=${RABBIT_PEERS[$side]}
  if [[ $peers == *" "* ]]; then peers="(${peers// /|})"; fi
  ensure_rabbit_account "bgw-${side,,}" \
    "^(bgw\\.${side}\\..*|amq\\.gen-.*)\$" \
    "^(bgw\\.${side}\\..*|bgw\\.${peers}\\.in|amq\\.default)\$" \
    "^(bgw\\.${side}\\..*|amq\\.gen-.*)\$" \
    "$2" "$3"
}

# The national systems of one side (bgw-<side>-national): submit through the default exchange (to
# bgw.<SIDE>.submit), read bgw.<SIDE>.inbox and bgw.<SIDE>.events, and declare, bind and read queues
# of their own: server-named ones (amq.gen-*: answers, transient subscriptions) and durable ones
# named bgw.<SIDE>.national.<name>, bound to the exchange bgw.<SIDE>.national. Nothing of the node's:
# no bgw.<SIDE>.in, no peer exchange, no publishing to bgw.<SIDE>.national.
ensure_rabbit_national_user() {
  local side=$1 own
  own="bgw\\.${side}\\.national\\..+"
  ensure_rabbit_account "bgw-${side,,}-national" \
    "^(${own}|amq\\.gen-.*)\$" \
    "^(${own}|amq\\.gen-.*|amq\\.default)\$" \
    "^(${own}|amq\\.gen-.*|bgw\\.${side}\\.(inbox|events|national))\$" \
    "$2" "$3"
}

# ---------------------------------------------------------------- PostgreSQL

pg_installed() {
  command -v pg_ctlcluster >/dev/null 2>&1 && command -v pg_isready >/dev/null 2>&1 &&
    compgen -G "/etc/postgresql/*/main" >/dev/null
}

ensure_postgresql_running() {
  port_open 5432 && return 0
  pg_installed || apt_install postgresql
  pg_installed || die "postgresql is installed but no cluster /etc/postgresql/<version>/main exists"
  local dir version status
  for dir in /etc/postgresql/*/main; do
    [ -d "$dir" ] || continue
    version=$(basename "$(dirname "$dir")")
    status=0
    "${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect "$version" main status >/dev/null 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
      say "starting PostgreSQL cluster $version/main"
      "${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect "$version" main start ||
        die "pg_ctlcluster $version main start failed; see /var/log/postgresql/"
    fi
  done
  local deadline=$((SECONDS + WAIT_SECONDS))
  until pg_isready -q -h 127.0.0.1 -p 5432; do
    [ "$SECONDS" -lt "$deadline" ] ||
      die "PostgreSQL did not answer on 127.0.0.1:5432 within ${WAIT_SECONDS}s; see /var/log/postgresql/"
    sleep 1
  done
  say "PostgreSQL answers on 127.0.0.1:5432"
}

# psql as the postgres OS user over the local socket (peer auth on a fresh install)
psql_() {
  local cmd=(psql -X -q -v ON_ERROR_STOP=1 -tA -d postgres "$@")
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- "${cmd[@]}")
  else
    (cd / && sudo -u postgres -- "${cmd[@]}")
  fi
}

ensure_pg_role() {
  local attrs
  attrs=$(psql_ -c "select rolcanlogin::text || ',' || rolcreatedb::text from pg_roles where rolname = '$PG_ROLE'")
  if [ -z "$attrs" ]; then
    say "creating PostgreSQL role $PG_ROLE"
    psql_ -c "create role $PG_ROLE login createdb password '$PG_PASSWORD'"
    return 0
  fi
  if [ "$attrs" != "true,true" ]; then
    say "granting LOGIN CREATEDB to PostgreSQL role $PG_ROLE"
    psql_ -c "alter role $PG_ROLE login createdb"
  fi
  # The password cannot be compared (salted hash): check that it logs in over TCP.
  if ! PGPASSWORD=$PG_PASSWORD PGCONNECT_TIMEOUT=5 psql -X -q -w -h 127.0.0.1 -p 5432 -U "$PG_ROLE" \
    -d postgres -c 'select 1' >/dev/null 2>&1; then
    say "setting the password of PostgreSQL role $PG_ROLE"
    psql_ -c "alter role $PG_ROLE password '$PG_PASSWORD'"
  fi
}

ensure_pg_database() {
  local db=$1 owner
  owner=$(psql_ -c "select pg_get_userbyid(datdba) from pg_database where datname = '$db'")
  if [ -z "$owner" ]; then
    say "creating PostgreSQL database $db owned by $PG_ROLE"
    psql_ -c "create database $db owner $PG_ROLE"
  elif [ "$owner" != "$PG_ROLE" ]; then
    say "making $PG_ROLE the owner of PostgreSQL database $db (was $owner)"
    psql_ -c "alter database $db owner to $PG_ROLE"
  fi
}

# ---------------------------------------------------------------- main

ensure_rabbitmq_running
ensure_postgresql_running

ensure_pg_role
for db in "${PG_DATABASES[@]}"; do
  ensure_pg_database "$db"
done

rabbit_users=$(rabbitmqctl_ --no-table-headers list_users | cut -f1)
rabbit_perms=$(rabbit_permissions)
for side in KZ UZ AZ; do
  ensure_rabbit_node_user "$side" "$rabbit_users" "$rabbit_perms"
  ensure_rabbit_national_user "$side" "$rabbit_users" "$rabbit_perms"
done
