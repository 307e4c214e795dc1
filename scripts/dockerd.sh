#!/bin/bash
# dockerd.sh: start, stop or query a private Docker engine under one directory
#
#   scripts/dockerd.sh start DIR    start dockerd, print its socket path
#   scripts/dockerd.sh stop DIR     stop it (by the pid in DIR/docker.pid)
#   scripts/dockerd.sh status DIR   exit 0 and print the socket if it answers
#
# Everything lives under DIR: DIR/root (images, containers), DIR/exec
# (containerd and runtime state), DIR/docker.sock, DIR/docker.pid and
# DIR/dockerd.log. Starting twice is harmless; so is stopping twice.
#
# Networking: the engine runs with --bridge=none --iptables=false
# --ip-masq=false, and solum runs containers with host networking, telling
# the app to listen on 127.0.0.1:$PORT. The default bridge also works on
# these machines, but docker0 and the DOCKER iptables chains are global:
# two private engines on one host (parallel test files, a developer's engine
# next to the test suite) would fight over them. With host networking each
# engine touches nothing outside DIR, and apps are only ever on 127.0.0.1.
#
# When DOCKER_HOST names a unix socket where an engine answers /_ping,
# "start" starts nothing and prints that socket instead (the caller may use
# that engine); SOLUM_DOCKER_PRIVATE=1 starts a private one regardless.
set -euo pipefail
. "$(dirname "$0")/pidfile.sh"

usage() {
	echo "usage: dockerd.sh start|stop|status DIR" >&2
	exit 129
}

[ $# -eq 2 ] || usage
cmd=$1
dir=$2
: "${SOLUM_DOCKERD_WAIT:=60}"	# seconds to wait for /_ping

sock="$dir/docker.sock"
pidfile="$dir/docker.pid"

ping_socket() {
	curl -sf --max-time 2 --unix-socket "$1" http://docker/_ping >/dev/null 2>&1
}

running_pid() { pidfile_pid "$pidfile" "--pidfile $pidfile"; }

do_status() {
	running_pid >/dev/null && ping_socket "$sock" || return 1
	echo "$sock"
}

do_start() {
	local pid i

	if [ "${SOLUM_DOCKER_PRIVATE:-}" != 1 ] && [ -n "${DOCKER_HOST:-}" ]; then
		case "$DOCKER_HOST" in
		unix://*)
			if ping_socket "${DOCKER_HOST#unix://}"; then
				echo "${DOCKER_HOST#unix://}"
				return 0
			fi
			;;
		esac
	fi
	if do_status >/dev/null; then
		echo "$sock"
		return 0
	fi
	command -v dockerd >/dev/null || { echo "dockerd.sh: dockerd not found" >&2; return 1; }
	mkdir -p "$dir/root" "$dir/exec"
	# a unix socket path is limited to 107 bytes; containerd's lives deepest
	if [ ${#dir} -gt 60 ]; then
		echo "dockerd.sh: '$dir' is too long for dockerd's sockets (max 60 bytes)" >&2
		return 1
	fi
	rm -f "$sock" "$pidfile"
	setsid dockerd \
		--data-root "$dir/root" \
		--exec-root "$dir/exec" \
		-H "unix://$sock" \
		--pidfile "$pidfile" \
		--iptables=false --ip-masq=false --bridge=none \
		--shutdown-timeout 3 \
		</dev/null >>"$dir/dockerd.log" 2>&1 &
	pid=$!
	i=0
	while [ $i -lt $((SOLUM_DOCKERD_WAIT * 4)) ]; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "dockerd.sh: dockerd exited at startup; last lines of $dir/dockerd.log:" >&2
			tail -n 5 "$dir/dockerd.log" >&2
			return 1
		fi
		if ping_socket "$sock"; then
			echo "$sock"
			return 0
		fi
		sleep 0.25
		i=$((i + 1))
	done
	echo "dockerd.sh: dockerd did not answer on $sock within ${SOLUM_DOCKERD_WAIT}s" >&2
	kill "$pid" 2>/dev/null || true
	return 1
}

do_stop() {
	local pid

	pid=$(running_pid) || { rm -f "$pidfile"; return 0; }
	# dockerd stops its containers (--shutdown-timeout) and containerd
	stop_pid "$pid" 30 dockerd
	rm -f "$pidfile"
	cleanup_leftovers
}

# After a dockerd that had to be killed: its containerd (by pid, and only if
# it runs on our config) and mounts under DIR, so that DIR can be removed.
cleanup_leftovers() {
	local cpid cfile="$dir/exec/containerd/containerd.pid" m

	if [ -f "$cfile" ]; then
		cpid=$(cat "$cfile" 2>/dev/null || true)
		case "$cpid" in
		''|*[!0-9]*) ;;
		*)
			if tr '\0' ' ' <"/proc/$cpid/cmdline" 2>/dev/null |
				grep -qF -- "$dir/exec/containerd/"; then
				kill "$cpid" 2>/dev/null || true
			fi
			;;
		esac
	fi
	# deepest first
	awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts |
		sort -r | while read -r m; do
			umount -l "$m" 2>/dev/null || true
		done
}

case "$cmd" in
start) do_start ;;
stop) do_stop ;;
status) do_status ;;
*) usage ;;
esac
