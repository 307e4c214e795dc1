#!/bin/bash
# registry.sh: start or stop a private Docker registry with htpasswd auth
#
#   scripts/registry.sh start DIR PORT USER PASSWORD
#   scripts/registry.sh stop DIR
#   scripts/registry.sh status DIR
#
# Debian's docker-registry, with a config file of its own (DIR/config.yml),
# storage under DIR/storage, listening on 127.0.0.1:PORT only, and basic
# auth from DIR/htpasswd (bcrypt, made by htpasswd -B). The pid is kept in
# DIR/registry.pid and the log in DIR/registry.log. Docker engines treat
# 127.0.0.0/8 as an insecure registry by default, so plain http works.
# Starting an already running registry only checks that it answers.
set -euo pipefail
. "$(dirname "$0")/pidfile.sh"

usage() {
	echo "usage: registry.sh start DIR PORT USER PASSWORD | stop DIR | status DIR" >&2
	exit 129
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
pidfile="$dir/registry.pid"
: "${SOLUM_REGISTRY_WAIT:=30}"	# seconds to wait for /v2/

running_pid() { pidfile_pid "$pidfile" "$dir/config.yml"; }

# The registry answers /v2/ with 401 when auth is on and it is up.
answers_401() {
	local code
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
		"http://127.0.0.1:$1/v2/" 2>/dev/null) || true
	[ "$code" = 401 ]
}

do_start() {
	local port=$1 user=$2 password=$3 pid i

	case "$port" in
	''|*[!0-9]*) echo "registry.sh: bad port '$port'" >&2; return 1 ;;
	esac
	if running_pid >/dev/null; then
		answers_401 "$port" && return 0
		echo "registry.sh: registry in $dir runs but does not answer on port $port" >&2
		return 1
	fi
	command -v docker-registry >/dev/null ||
		{ echo "registry.sh: docker-registry not found" >&2; return 1; }
	command -v htpasswd >/dev/null ||
		{ echo "registry.sh: htpasswd not found (apache2-utils)" >&2; return 1; }
	mkdir -p "$dir/storage"
	# -i: the password comes on stdin, not on a command line others can see
	printf "%s\n" "$password" | htpasswd -iBn "$user" >"$dir/htpasswd.new" 2>/dev/null
	mv "$dir/htpasswd.new" "$dir/htpasswd"
	cat >"$dir/config.yml" <<EOC
version: 0.1
log:
  level: info
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  headers:
    X-Content-Type-Options: [nosniff]
auth:
  htpasswd:
    realm: solum-registry
    path: $dir/htpasswd
EOC
	setsid docker-registry serve "$dir/config.yml" \
		</dev/null >>"$dir/registry.log" 2>&1 &
	pid=$!
	echo "$pid" >"$pidfile"
	i=0
	while [ $i -lt $((SOLUM_REGISTRY_WAIT * 10)) ]; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "registry.sh: docker-registry exited at startup; last lines of $dir/registry.log:" >&2
			tail -n 5 "$dir/registry.log" >&2
			rm -f "$pidfile"
			return 1
		fi
		answers_401 "$port" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "registry.sh: registry did not answer on 127.0.0.1:$port within ${SOLUM_REGISTRY_WAIT}s" >&2
	kill "$pid" 2>/dev/null || true
	rm -f "$pidfile"
	return 1
}

do_stop() {
	local pid

	pid=$(running_pid) || { rm -f "$pidfile"; return 0; }
	stop_pid "$pid" 5 docker-registry
	rm -f "$pidfile"
}

case "$cmd" in
start)
	[ $# -eq 5 ] || usage
	do_start "$3" "$4" "$5"
	;;
stop)
	[ $# -eq 2 ] || usage
	do_stop
	;;
status)
	[ $# -eq 2 ] || usage
	running_pid >/dev/null
	;;
*) usage ;;
esac
