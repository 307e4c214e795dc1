# pidfile.sh: sourced by the service scripts; stop only what they started
#
# pidfile_pid PIDFILE MARKER: print the pid in PIDFILE if that process is
# alive and its command line contains MARKER (so a recycled pid is never
# taken for ours).
pidfile_pid() {
	local pid
	[ -f "$1" ] || return 1
	pid=$(cat "$1" 2>/dev/null) || return 1
	case "$pid" in
	''|*[!0-9]*) return 1 ;;
	esac
	kill -0 "$pid" 2>/dev/null || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2" ||
		return 1
	echo "$pid"
}

# stop_pid PID SECONDS NAME: SIGTERM, wait up to SECONDS, then SIGKILL.
stop_pid() {
	local pid=$1 i
	kill "$pid" 2>/dev/null || true
	for i in $(seq 1 $(($2 * 4))); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.25
	done
	echo "$3 $pid did not stop in $2s, killing it" >&2
	kill -9 "$pid" 2>/dev/null || true
	sleep 0.5
}
