#!/bin/bash
# dockerd.sh: start, stop or query a private Docker engine under one directory
#
#   scripts/dockerd.sh start DIR [-- ARGS]
#                                   start dockerd (ARGS: more of its
#                                   options), print its socket path
#   scripts/dockerd.sh stop DIR     stop it (by the pid in DIR/docker.pid)
#   scripts/dockerd.sh status DIR   exit 0 and print the socket if it answers
#
# Everything lives under DIR: DIR/root (images, containers), DIR/exec
# (containerd and runtime state), DIR/docker.sock, DIR/docker.pid and
# DIR/dockerd.log. Starting twice is harmless; so is stopping twice.
#
# Networking: each engine gets a bridge of its own (named from DIR) and a
# /16 of 10.0.0.0/8 that no route of this host uses yet, so that several
# engines on one machine (parallel test files, a developer's engine next to
# the test suite) never clash over docker0 or a subnet. It runs with
# --iptables=false --ip-masq=false --ip-forward=false: no global iptables
# chains, published ports go through the engine's userland proxy on
# 127.0.0.1. Two FORWARD rules of its own drop whatever is routed from or
# to the engine's /16, so a container can reach neither another app's
# network nor anything beyond this host, whatever net.ipv4.ip_forward says
# (another engine on the host may turn it on). solum gives each app a
# network of its own from the engine's address pool. On stop the rules,
# the bridge and the bridges of the engine's networks are deleted.
#
# When DOCKER_HOST names a unix socket where an engine answers /_ping,
# "start" starts nothing and prints that socket instead (the caller may use
# that engine); SOLUM_DOCKER_PRIVATE=1 starts a private one regardless.
set -euo pipefail
. "$(dirname "$0")/pidfile.sh"

usage() {
	echo "usage: dockerd.sh start DIR [-- DOCKERD-ARGS] | stop DIR | status DIR" >&2
	exit 129
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
shift 2
# "start DIR -- ARGS...": more dockerd arguments (e.g. a TLS listener)
SOLUM_DOCKERD_ARGS=()
if [ $# -gt 0 ]; then
	[ "$1" = -- ] || usage
	shift
	SOLUM_DOCKERD_ARGS=("$@")
fi
: "${SOLUM_DOCKERD_WAIT:=60}"	# seconds to wait for /_ping

sock="$dir/docker.sock"
pidfile="$dir/docker.pid"
netfile="$dir/bridge"	# "NAME 10.X" of the engine's bridge and pool

# The bridge name for DIR: "slm" and 8 hex digits of its hash (IFNAMSIZ 15).
bridge_name() {
	printf 'slm%s' "$(printf '%s' "$dir" | sha256sum | cut -c1-8)"
}

# A second octet X such that no route of this host is inside 10.X.0.0/16,
# starting from one derived from DIR so parallel engines spread out.
free_octet() {
	local h x i routes
	routes=$(ip -4 route show 2>/dev/null | awk '{ print $1 }')
	h=$(printf '%s' "$dir" | sha256sum | cut -c1-4)
	x=$((16#$h % 200 + 20))
	for i in $(seq 0 199); do
		if ! printf '%s\n' "$routes" | grep -q "^10\.$x\."; then
			echo "$x"
			return 0
		fi
		x=$(((x - 20 + 1) % 200 + 20))
	done
	echo "dockerd.sh: no free 10.X.0.0/16 left for a bridge" >&2
	return 1
}

bridge_up() {
	local name x old
	name=$(bridge_name)
	# what an engine of DIR that was killed left behind
	if [ -f "$netfile" ]; then
		read -r _ old <"$netfile" || true
		[ -n "$old" ] && forward_rules -D "$old"
	fi
	if ip link show "$name" >/dev/null 2>&1; then
		ip link del "$name" 2>/dev/null || true
	fi
	x=$(free_octet) || return 1
	ip link add "$name" type bridge || return 1
	ip addr add "10.$x.0.1/24" dev "$name" || return 1
	ip link set "$name" up || return 1
	echo "$name 10.$x" >"$netfile"
	forward_rules -I "10.$x"
}

# forward_rules -I|-D 10.X: drop what is forwarded from or to 10.X.0.0/16
forward_rules() {
	local op=$1 net=$2.0.0/16 tag
	command -v iptables >/dev/null || {
		echo "dockerd.sh: iptables not found: apps of this engine are not isolated from each other" >&2
		return 0
	}
	tag="solum $(bridge_name)"
	iptables -w "$op" FORWARD -s "$net" -m comment --comment "$tag" -j DROP 2>/dev/null || [ "$op" = -D ]
	iptables -w "$op" FORWARD -d "$net" -m comment --comment "$tag" -j DROP 2>/dev/null || [ "$op" = -D ]
}

# The engine's networks' bridges ("br-" and 12 hex of the id), asked from
# the engine before it stops: they outlive dockerd otherwise.
network_bridges() {
	curl -sf --max-time 5 --unix-socket "$sock" \
		'http://docker/networks?filters=%7B%22driver%22%3A%5B%22bridge%22%5D%7D' 2>/dev/null |
		grep -o '"Id":"[0-9a-f]\{12\}' | sed 's/"Id":"/br-/' || true
}

bridges_down() {
	local name b octet
	for b in "$@"; do
		ip link del "$b" 2>/dev/null || true
	done
	if [ -f "$netfile" ]; then
		read -r name octet <"$netfile" || true
		[ -n "$name" ] && ip link del "$name" 2>/dev/null || true
		[ -n "$octet" ] && forward_rules -D "$octet"
		rm -f "$netfile"
	fi
}

ping_socket() {
	curl -sf --max-time 2 --unix-socket "$1" http://docker/_ping >/dev/null 2>&1
}

running_pid() { pidfile_pid "$pidfile" "--pidfile $pidfile"; }

do_status() {
	running_pid >/dev/null && ping_socket "$sock" || return 1
	echo "$sock"
}

do_start() {
	local pid i bridge octet

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
	bridge_up || return 1
	read -r bridge octet <"$netfile"
	setsid dockerd \
		--data-root "$dir/root" \
		--exec-root "$dir/exec" \
		-H "unix://$sock" \
		--pidfile "$pidfile" \
		--iptables=false --ip-masq=false --ip-forward=false \
		--bridge="$bridge" \
		--default-address-pool "base=$octet.0.0/16,size=24" \
		--shutdown-timeout 3 \
		"${SOLUM_DOCKERD_ARGS[@]}" \
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

	local nets
	pid=$(running_pid) || { rm -f "$pidfile"; bridges_down; return 0; }
	nets=$(network_bridges)
	# dockerd stops its containers (--shutdown-timeout) and containerd
	stop_pid "$pid" 30 dockerd
	rm -f "$pidfile"
	cleanup_leftovers
	# shellcheck disable=SC2086
	bridges_down $nets
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
