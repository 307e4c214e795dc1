#!/bin/bash
# openstack.sh: start, stop or query a private OpenStack under one directory
#
#   scripts/openstack.sh start DIR [--nova]
#   scripts/openstack.sh stop DIR
#   scripts/openstack.sh status DIR
#
# Debian's Keystone, Glance and Heat (and with --nova: Placement, Nova with
# its fake driver, a bare Neutron) on 127.0.0.1 with sqlite, every file of
# theirs under DIR: config files (*.conf, placement/placement.conf),
# databases (*.db), Keystone's fernet and credential keys (keys/), Glance's
# images (images/), Nova's and Neutron's state (nova/, neutron/), logs
# (log/), pid files (*.pid), and what clients need:
#   DIR/clouds.yaml   openstacksdk's format; clouds "solum-test" (user and
#                     project demo: member, heat_stack_owner) and
#                     "solum-admin"; password auth, RegionOne, public
#   DIR/ports         KEYSTONE_PORT=… GLANCE_PORT=… HEAT_PORT=… (and
#                     PLACEMENT_PORT, NOVA_PORT, NEUTRON_PORT), sh syntax
#   DIR/passwords     ADMIN_PASSWORD, DEMO_PASSWORD, SERVICE_PASSWORD (random
#                     per DIR, mode 600)
# Ports are free ones chosen at the first start and kept; one found taken
# by someone else at a restart is replaced (configs and catalog follow).
#
# Keystone runs under uwsgi (keystone-wsgi-public) with `Connection: close`
# on every answer: uwsgi's --http-socket closes connections without saying
# so, and keep-alive clients then see resets or spurious 401s. Glance is
# glance-api in one process (workers = 0) with a file store. Heat is
# heat-all (API and engine in one process on the fake:// transport, so no
# message queue), the legacy engine (the convergence engine hangs updates
# on sqlite) and action_retry_limit = 0 (a failing resource fails at once).
# --nova adds Placement and a bare Neutron API under uwsgi and Nova with
# its fake driver (API, conductor, scheduler and compute in one process on
# fake://, scripts/nova-fake.py): servers are scheduled and "boot" from
# Glance images at once, nothing runs. See scripts/openstack-nova.sh. The
# first start with --nova makes it part of DIR for good (DIR/nova.enabled).
#
# SOLUM_GLANCE_IMAGE_SIZE_CAP=BYTES at a start gives Glance that
# image_size_cap (for tests of refused uploads; stop Glance's pid first to
# change it on a running set).
#
# "start" is idempotent: services that run are left alone, databases and
# keys of an earlier start are reused (a restart takes a few seconds).
# "stop" stops, by pid, only the processes this script started in DIR.
# "status" prints one line per service and exits 0 when all answer.
set -euo pipefail
. "$(dirname "$0")/pidfile.sh"
. "$(dirname "$0")/openstack-nova.sh"

usage() {
	echo "usage: openstack.sh start DIR [--nova] | stop DIR | status DIR" >&2
	exit 129
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
shift 2
with_nova=
case "${1:-}" in
'') ;;
--nova)
	[ "$cmd" = start ] || usage
	with_nova=1
	shift
	;;
*) usage ;;
esac
[ $# -eq 0 ] || usage

: "${SOLUM_OPENSTACK_WAIT:=90}"	# seconds for a service to answer
scripts=$(cd "$(dirname "$0")" && pwd)
# Debian's OpenStack is Python of /usr/bin: not a python3 of a virtualenv
# or pyenv that may come first in PATH
py=/usr/bin/python3

die() {
	echo "openstack.sh: $*" >&2
	exit 1
}

# ---- ports and passwords ----

# A loopback port below the ephemeral range that nothing listens on and
# that no other service of DIR was given.
free_port() {
	local p i
	for i in $(seq 1 100); do
		p=$((10000 + (RANDOM * 7 + $$ + i * 131) % 22000))
		case " $taken " in *" $p "*) continue ;; esac
		if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then
			taken="$taken $p"
			echo "$p"
			return 0
		fi
	done
	return 1
}

listening() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

# The services of DIR: "name port-variable".
services() {
	echo "keystone KEYSTONE_PORT"
	echo "glance GLANCE_PORT"
	echo "heat HEAT_PORT"
	if [ -f "$dir/nova.enabled" ]; then
		echo "placement PLACEMENT_PORT"
		echo "neutron NEUTRON_PORT"
		echo "nova NOVA_PORT"
	fi
}

# Fill DIR/ports: keep each saved port if it is free or ours, else choose.
load_ports() {
	local name var port changed=
	taken=
	[ -f "$dir/ports" ] && . "$dir/ports"
	while read -r name var; do
		port=${!var:-}
		if [ -n "$port" ] && ! running_pid "$name" >/dev/null &&
			listening "$port"; then
			echo "openstack.sh: port $port of $name is taken, choosing another" >&2
			port=
		fi
		if [ -z "$port" ]; then
			port=$(free_port) || die "no free port for $name"
			changed=1
		fi
		taken="$taken $port"
		printf -v "$var" %s "$port"
	done < <(services)
	if [ -n "$changed" ] || [ ! -f "$dir/ports" ]; then
		services | while read -r name var; do
			echo "$var=${!var}"
		done >"$dir/ports.new"
		mv "$dir/ports.new" "$dir/ports"
	fi
}

load_passwords() {
	if [ ! -f "$dir/passwords" ]; then
		(
			umask 077
			for v in ADMIN_PASSWORD DEMO_PASSWORD SERVICE_PASSWORD \
				HEAT_AUTH_KEY; do
				# 32 hex digits (Heat's auth key must be 32 bytes)
				echo "$v=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
			done >"$dir/passwords.new"
		)
		mv "$dir/passwords.new" "$dir/passwords"
	fi
	. "$dir/passwords"
}

# ---- processes ----

# The marker of each service's command line: its config file in DIR.
marker() {
	case "$1" in
	keystone) echo "OS_KEYSTONE_CONFIG_FILES=$dir/keystone.conf" ;;
	placement) echo "OS_PLACEMENT_CONFIG_DIR=$dir/placement" ;;
	neutron) echo "OS_NEUTRON_CONFIG_FILES=$dir/neutron.conf" ;;
	nova) echo "--config-file $dir/nova.conf" ;;
	glance) echo "--config-file $dir/glance-api.conf" ;;
	heat) echo "--config-file $dir/heat.conf" ;;
	esac
}

running_pid() { pidfile_pid "$dir/$1.pid" "$(marker "$1")"; }

# answers PORT PATH: an HTTP answer below 500 (the service is up)
answers() {
	local code
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
		-H 'Connection: close' "http://127.0.0.1:$1$2" 2>/dev/null) || true
	[ "$code" != 000 ] && [ "$code" -lt 500 ]
}

# spawn NAME CMD...: start CMD in a session of its own, logging to
# DIR/log/NAME.out, and keep its pid in DIR/NAME.pid.
spawn() {
	local name=$1
	shift
	setsid "$@" </dev/null >>"$dir/log/$name.out" 2>&1 &
	echo $! >"$dir/$name.pid"
}

# wait_up NAME PORT PATH: wait until the service answers, or fail.
wait_up() {
	local name=$1 port=$2 path=$3 pid i=0
	pid=$(cat "$dir/$name.pid")
	while [ $i -lt $((SOLUM_OPENSTACK_WAIT * 5)) ]; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "openstack.sh: $name exited at startup; last lines of $dir/log/$name.*:" >&2
			tail -n 15 "$dir/log/$name".* >&2 || true
			rm -f "$dir/$name.pid"
			return 1
		fi
		answers "$port" "$path" && return 0
		sleep 0.2
		i=$((i + 1))
	done
	echo "openstack.sh: $name did not answer on 127.0.0.1:$port within ${SOLUM_OPENSTACK_WAIT}s" >&2
	return 1
}

# uwsgi_args PORT: set the array uwsgi_args to the common uwsgi options
# (one process with one thread, gone on SIGTERM; every answer says
# Connection: close).
uwsgi_args() {
	uwsgi_args=(uwsgi --plugin python3 --http-socket "127.0.0.1:$1"
		--master --die-on-term --need-app --processes 1 --threads 1
		--enable-threads --buffer-size 65535
		--add-header "Connection: close")
}

# run STEP CMD...: run a setup command, its output to DIR/log/setup.log;
# on failure show the end of it.
run() {
	local step=$1
	shift
	if ! "$@" >>"$dir/log/$step.setup" 2>&1; then
		echo "openstack.sh: $step failed: $*; last lines of $dir/log/$step.setup:" >&2
		tail -n 15 "$dir/log/$step.setup" >&2
		return 1
	fi
}

# wal DB: put an sqlite database in write-ahead-log mode (kept in the file).
# In the default rollback-journal mode a reader's open transaction blocks
# every commit: Keystone under uwsgi then fails each role or user create
# with "database is locked" after 5 s, as one request holds a read
# transaction on one connection while writing on another.
wal() {
	"$py" -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
sys.exit(c.execute("pragma journal_mode=wal").fetchone()[0] != "wal")' "$1"
}

# ---- configuration ----

write_configs() {
	local ks=http://127.0.0.1:$KEYSTONE_PORT glance_cap=
	case "${SOLUM_GLANCE_IMAGE_SIZE_CAP:-}" in
	'') ;;
	*[!0-9]*) die "SOLUM_GLANCE_IMAGE_SIZE_CAP wants a number of bytes" ;;
	*) glance_cap="image_size_cap = $SOLUM_GLANCE_IMAGE_SIZE_CAP" ;;
	esac
	mkdir -p "$dir/keys/fernet" "$dir/keys/credential" "$dir/images" \
		"$dir/glance/staging" "$dir/glance/tasks" "$dir/lock" "$dir/log"

	cat >"$dir/keystone.conf" <<EOC
[DEFAULT]
log_file = $dir/log/keystone.log
[database]
connection = sqlite:///$dir/keystone.db
[token]
provider = fernet
[fernet_tokens]
key_repository = $dir/keys/fernet
[fernet_receipts]
key_repository = $dir/keys/fernet
[credential]
key_repository = $dir/keys/credential
[cache]
enabled = false
[oslo_concurrency]
lock_path = $dir/lock
EOC

	# authtoken SERVICE-TYPE: [keystone_authtoken] of a service user
	authtoken() {
		cat <<EOC
[keystone_authtoken]
www_authenticate_uri = $ks/v3
auth_url = $ks
auth_type = password
username = $2
password = $SERVICE_PASSWORD
user_domain_name = Default
project_name = service
project_domain_name = Default
region_name = RegionOne
service_type = $1
EOC
	}

	{
		cat <<EOC
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $GLANCE_PORT
workers = 0
log_file = $dir/log/glance-api.log
enabled_backends = file:file
$glance_cap
[database]
connection = sqlite:///$dir/glance.db
[paste_deploy]
flavor = keystone
config_file = /etc/glance/glance-api-paste.ini
[glance_store]
default_backend = file
[file]
filesystem_store_datadir = $dir/images
[os_glance_staging_store]
filesystem_store_datadir = $dir/glance/staging
[os_glance_tasks_store]
filesystem_store_datadir = $dir/glance/tasks
[oslo_concurrency]
lock_path = $dir/lock
EOC
		authtoken image glance
	} >"$dir/glance-api.conf"

	{
		cat <<EOC
[DEFAULT]
transport_url = fake://
convergence_engine = false
action_retry_limit = 0
num_engine_workers = 1
graceful_shutdown_timeout = 2
log_file = $dir/log/heat.log
region_name_for_services = RegionOne
auth_encryption_key = $HEAT_AUTH_KEY
stack_user_domain_name = heat
stack_domain_admin = heat_domain_admin
stack_domain_admin_password = $SERVICE_PASSWORD
environment_dir = /etc/heat/environment.d
template_dir = /etc/heat/templates
[heat_all]
enabled_services = api,engine
[heat_api]
bind_host = 127.0.0.1
bind_port = $HEAT_PORT
workers = 1
[database]
connection = sqlite:///$dir/heat.db
[paste_deploy]
api_paste_config = /etc/heat/api-paste.ini
[trustee]
auth_type = password
auth_url = $ks
username = heat
password = $SERVICE_PASSWORD
user_domain_name = Default
[clients_keystone]
auth_uri = $ks
[ec2authtoken]
auth_uri = $ks/v3
[oslo_messaging_notifications]
driver = noop
[oslo_concurrency]
lock_path = $dir/lock
EOC
		authtoken orchestration heat
	} >"$dir/heat.conf"

	[ -z "$with_nova" ] || nova_configs

	clouds_yaml
}

clouds_yaml() {
	(
		umask 077
		cloud() {
			cat <<EOC
  $1:
    auth_type: password
    auth:
      auth_url: http://127.0.0.1:$KEYSTONE_PORT/v3
      username: $2
      password: $3
      project_name: $4
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: public
    identity_api_version: 3
EOC
		}
		echo "clouds:"
		cloud solum-test demo "$DEMO_PASSWORD" demo
		cloud solum-admin admin "$ADMIN_PASSWORD" admin
	) >"$dir/clouds.yaml.new"
	mv "$dir/clouds.yaml.new" "$dir/clouds.yaml"
}

# ---- start ----

# Keystone: database, keys, projects, users, roles, catalog
# (scripts/keystone-setup.py), again only when the ports or the set of
# services changed since the last setup that succeeded.
keystone_setup() {
	local stamp
	stamp=$(cat "$dir/ports"; [ -z "$with_nova" ] || echo nova)
	if [ -f "$dir/keystone.ready" ] &&
		[ "$(cat "$dir/keystone.ready")" = "$stamp" ]; then
		return 0
	fi
	run keystone "$py" "$scripts/keystone-setup.py" "$dir" \
		${with_nova:+--nova} &&
	printf '%s\n' "$stamp" >"$dir/keystone.ready"
}

keystone_start() {
	running_pid keystone >/dev/null && return 0
	uwsgi_args "$KEYSTONE_PORT"
	spawn keystone "${uwsgi_args[@]}" \
		--wsgi-file /usr/bin/keystone-wsgi-public \
		--env "OS_KEYSTONE_CONFIG_FILES=$dir/keystone.conf"
}

glance_setup() {
	[ -f "$dir/glance.ready" ] && return 0
	run glance glance-manage --config-file "$dir/glance-api.conf" db_sync &&
	run glance wal "$dir/glance.db" &&
	touch "$dir/glance.ready"
}

glance_start() {
	running_pid glance >/dev/null && return 0
	spawn glance glance-api --config-file "$dir/glance-api.conf"
}

heat_setup() {
	[ -f "$dir/heat.ready" ] && return 0
	run heat heat-manage --config-file "$dir/heat.conf" db_sync &&
	run heat wal "$dir/heat.db" &&
	touch "$dir/heat.ready"
}

heat_start() {
	running_pid heat >/dev/null && return 0
	spawn heat heat-all --config-file "$dir/heat.conf"
}

# demo_token: check that the demo user gets a token (201) whose catalog
# has the services of DIR.
demo_token() {
	local code t
	code=$(curl -s -o "$dir/token.json" -w '%{http_code}' --max-time 20 \
		-H 'Content-Type: application/json' -d @- \
		"http://127.0.0.1:$KEYSTONE_PORT/v3/auth/tokens" <<EOJ
{"auth": {"identity": {"methods": ["password"], "password": {"user":
 {"name": "demo", "domain": {"id": "default"}, "password": "$DEMO_PASSWORD"}}},
 "scope": {"project": {"name": "demo", "domain": {"id": "default"}}}}}
EOJ
	) || true
	[ "$code" = 201 ] || {
		echo "openstack.sh: the demo user gets no token (HTTP $code)" >&2
		return 1
	}
	for t in identity image orchestration ${with_nova:+compute placement network}; do
		grep -q "\"type\": *\"$t\"" "$dir/token.json" || {
			echo "openstack.sh: the demo user's catalog has no $t" >&2
			return 1
		}
	done
	rm -f "$dir/token.json"
}

# wait_all PID...: wait for background steps; fail if any failed.
wait_all() {
	local pid rc=0
	for pid in "$@"; do
		wait "$pid" || rc=1
	done
	return $rc
}

do_start() {
	local p1 p2 p3 p4= p5= p6=
	command -v keystone-manage >/dev/null && command -v glance-api >/dev/null &&
		command -v heat-all >/dev/null && command -v uwsgi >/dev/null ||
		die "Keystone, Glance, Heat or uwsgi is not installed (scripts/deps.sh)"
	[ -z "$with_nova" ] || nova_installed ||
		die "Nova, Placement or Neutron is not installed (scripts/deps.sh)"
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	mkdir -p "$dir/log"
	[ -z "$with_nova" ] || touch "$dir/nova.enabled"
	[ -f "$dir/nova.enabled" ] && with_nova=1
	load_passwords
	load_ports
	write_configs

	# db_sync of the three in parallel, each service started after its own
	( keystone_setup && keystone_start ) & p1=$!
	( glance_setup && glance_start ) & p2=$!
	( heat_setup && heat_start ) & p3=$!
	if [ -n "$with_nova" ]; then
		( placement_setup && placement_start ) & p4=$!
		( neutron_setup && neutron_start ) & p5=$!
		nova_setup & p6=$!
	fi
	wait_all $p1 $p2 $p3 $p4 $p5 $p6 || return 1
	wait_up keystone "$KEYSTONE_PORT" /v3 && demo_token || return 1
	if [ -n "$with_nova" ]; then
		# Nova reports its compute node to Placement at startup and
		# caches the catalog: both must be there before it starts
		wait_up placement "$PLACEMENT_PORT" / &&
		wait_up neutron "$NEUTRON_PORT" / && neutron_warm_up &&
		nova_start || return 1
	fi
	wait_up glance "$GLANCE_PORT" /versions &&
	wait_up heat "$HEAT_PORT" / || return 1
	if [ -n "$with_nova" ]; then
		wait_up nova "$NOVA_PORT" / && wait_compute || return 1
	fi
	echo "$dir/clouds.yaml"
}

# ---- stop, status ----

do_stop() {
	local name var pid pids=()
	[ -d "$dir" ] || return 0
	while read -r name var; do
		pid=$(running_pid "$name") || { rm -f "$dir/$name.pid"; continue; }
		( stop_pid "$pid" 10 "$name"; rm -f "$dir/$name.pid" ) &
		pids+=($!)
	done < <(services)
	[ ${#pids[@]} -eq 0 ] || wait_all "${pids[@]}"
}

do_status() {
	local name var rc=0 pid
	[ -f "$dir/ports" ] || { echo "no OpenStack in $dir" >&2; return 1; }
	. "$dir/ports"
	while read -r name var; do
		if pid=$(running_pid "$name"); then
			echo "$name pid $pid port ${!var}"
		else
			echo "$name not running"
			rc=1
		fi
	done < <(services)
	return $rc
}

case "$cmd" in
start) do_start ;;
stop) do_stop ;;
status) do_status ;;
*) usage ;;
esac
