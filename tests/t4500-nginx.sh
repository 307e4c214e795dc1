#!/bin/bash

test_description='app front: nginx gives an app a stable port across releases'

. "$(dirname "$0")/lib.sh"

if ! test -x /usr/sbin/nginx && ! command -v nginx >/dev/null; then
	skip_all "nginx is not installed (apt-get install nginx-light)"
fi
command -v busybox >/dev/null || skip_all "busybox is not installed"
command -v curl >/dev/null || skip_all "curl is not installed"

H=$TRASH_DIRECTORY/home
mkdir -p "$H" || exit 1
# whatever happens, the master goes: `stop` signals the pid in its pid
# file once it has checked that this is our master
test_atexit_run 'test-tool nginx "$H" stop >/dev/null 2>&1'

# start_backend N: busybox httpd on a free port serving "backend N";
# sets BACKEND<N>_PORT. A port taken meanwhile is retried with another.
start_backend() {
	local n=$1 port pid try
	mkdir -p "www$n" && echo "backend $n" >"www$n/index.html" || return 1
	for try in 1 2 3 4 5; do
		port=$(test_free_port) || return 1
		busybox httpd -f -p "127.0.0.1:$port" \
			-h "$TRASH_DIRECTORY/www$n" >>"httpd$n.log" 2>&1 &
		pid=$!
		test_bg_register $pid
		if test_wait_for 5 open_or_dead "$port" "$pid" &&
		   kill -0 "$pid" 2>/dev/null; then
			eval "BACKEND${n}_PORT=$port"
			return 0
		fi
		kill "$pid" 2>/dev/null
	done
	cat "httpd$n.log" >&2
	return 1
}
open_or_dead() { test_port_open "$1" || ! kill -0 "$2" 2>/dev/null; }

# gone PID: the process has exited (a zombie counts as gone)
gone() {
	! test -e "/proc/$1" ||
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | grep -q '^[ZX]'
}

# children_of PID: the pids of PID's children
children_of() {
	local f
	for f in /proc/[0-9]*/stat; do
		sed -n "s/^\([0-9]*\) (.*) [A-Za-z] $1 .*/\1/p" "$f" 2>/dev/null
	done
}

# get PATH: GET the stable port; body in "body", headers in "headers"
get() {
	curl -fsS --max-time 5 -D headers "http://127.0.0.1:$APP_PORT${1:-/}" >body
}

# load: GET the stable port again and again, one line per request in
# load.log ("ok [after] BODY" or "FAIL [after] STATUS"; "after" once the
# file "stop" exists). Bounded: 600 requests or 15 s, and it ends 30
# requests after "stop" appears. It stops by itself, so it is not
# registered to be killed (its pid may belong to another process by then).
# Its lines start with "ok": grep them with -q, never onto stdout, which
# under `prove -v` is the TAP stream.
load() {
	local i=0 after=0 end=$(($(date +%s) + 15)) body tag
	while test $i -lt 600 && test "$(date +%s)" -lt $end; do
		tag=
		if test -f stop; then
			tag="after "
			after=$((after + 1))
			test $after -gt 30 && break
		fi
		if body=$(curl -fsS --max-time 5 "http://127.0.0.1:$APP_PORT/" 2>>load.err); then
			echo "ok $tag$body" >>load.log
		else
			echo "FAIL $tag$?" >>load.log
		fi
		i=$((i + 1))
	done
	return 0
}

lines_at_least() { test -f "$2" && test "$(wc -l <"$2")" -ge "$1"; }

test_expect_success 'two backends' '
	start_backend 1 &&
	start_backend 2 &&
	curl -fsS "http://127.0.0.1:$BACKEND1_PORT/" >out &&
	echo "backend 1" >expect &&
	test_cmp expect out
'

test_expect_success 'route starts nginx and serves backend 1 on the stable port' '
	APP_PORT=$(test_free_port) &&
	test-tool nginx "$H" route web "$APP_PORT" 127.0.0.1 "$BACKEND1_PORT" 1 &&
	test-tool nginx "$H" status >status &&
	grep "^running [0-9]" status &&
	get &&
	echo "backend 1" >expect &&
	test_cmp expect body &&
	grep -i "^X-Solum-Release: 1" headers
'

test_expect_success 'everything nginx writes is under the home' '
	test_path_is_file "$H/nginx/nginx.conf" &&
	test_path_is_file "$H/nginx/apps/web.conf" &&
	test_path_is_file "$H/nginx/error.log" &&
	test_path_is_dir "$H/nginx/tmp/proxy" &&
	test_grep "include apps/\*.conf;" "$H/nginx/nginx.conf" &&
	test_grep -v "^[^#]*/var/" "$H/nginx/nginx.conf" &&
	test_grep "listen 127.0.0.1:$APP_PORT;" "$H/nginx/apps/web.conf" &&
	test_grep "add_header X-Solum-Release 1 always;" "$H/nginx/apps/web.conf"
'

test_expect_success 'a route to a dead backend is still confirmed (502 with the header)' '
	test_when_finished "test-tool nginx \"\$H\" unroute down" &&
	DOWN_PORT=$(test_free_port) &&
	DEAD=$(test_free_port) &&
	test-tool nginx "$H" route down "$DOWN_PORT" 127.0.0.1 "$DEAD" 7 &&
	curl -sS -o /dev/null -D headers -w "%{http_code}\n" \
		"http://127.0.0.1:$DOWN_PORT/" >code &&
	echo 502 >expect &&
	test_cmp expect code &&
	grep -i "^X-Solum-Release: 7" headers
'

test_expect_success 'swap to backend 2 under load: no request fails' '
	rm -f load.log load.err stop &&
	{ load & LOAD_PID=$!; } &&
	test_wait_for 10 lines_at_least 20 load.log &&
	test-tool nginx "$H" route web "$APP_PORT" 127.0.0.1 "$BACKEND2_PORT" 2 &&
	get &&
	echo "backend 2" >expect &&
	test_cmp expect body &&
	grep -i "^X-Solum-Release: 2" headers &&
	: >stop &&
	wait "$LOAD_PID" &&
	sed -n "\$=" load.log &&
	test_grep -v "^FAIL" load.log &&
	test_line_count = 0 load.err &&
	test_grep -q "^ok backend 1\$" load.log &&
	test_grep -q "^ok after backend 2\$" load.log &&
	test_grep -v "backend 1\$" <(grep "^ok after" load.log) &&
	test "$(tail -n 1 load.log)" = "ok after backend 2"
'

test_expect_success 'a bad backend host is refused with one line and changes nothing' '
	cp "$H/nginx/apps/web.conf" web.conf.before &&
	test_must_fail test-tool nginx "$H" route web "$APP_PORT" "evil;host" \
		"$BACKEND1_PORT" 3 2>err &&
	test_line_count = 1 err &&
	test_grep "^nginx: route for app .web.: backend host .evil;host. is not an IP address or localhost\$" err &&
	test_cmp web.conf.before "$H/nginx/apps/web.conf" &&
	get &&
	test_cmp expect body &&
	grep -i "^X-Solum-Release: 2" headers
'

test_expect_success 'bad names and ports are refused' '
	test_must_fail test-tool nginx "$H" route Web 1 127.0.0.1 2 1 2>err &&
	test_grep "invalid app name" err &&
	test_must_fail test-tool nginx "$H" route ../x 1 127.0.0.1 2 1 2>err &&
	test_grep "invalid app name" err &&
	test_must_fail test-tool nginx "$H" route x 0 127.0.0.1 2 1 2>err &&
	test_grep "listen port 0 is not in 1..65535" err &&
	test_must_fail test-tool nginx "$H" route x 1 127.0.0.1 65536 1 2>err &&
	test_grep "backend port 65536" err &&
	test_must_fail test-tool nginx "$H" route x 1 "example.com" 2 1 2>err &&
	test_grep "backend host" err &&
	test_path_is_missing "$H/nginx/apps/x.conf"
'

test_expect_success 'a port routed to another app is refused' '
	test_must_fail test-tool nginx "$H" route api "$APP_PORT" 127.0.0.1 \
		"$BACKEND1_PORT" 1 2>err &&
	test_line_count = 1 err &&
	test_grep "port $APP_PORT is already routed to app .web." err &&
	test_path_is_missing "$H/nginx/apps/api.conf"
'

test_expect_success 'a reload nginx refuses is reported in its words and undone' '
	test_must_fail test-tool nginx "$H" route api "$BACKEND1_PORT" 127.0.0.1 \
		"$BACKEND2_PORT" 1 2>err &&
	test_line_count = 1 err &&
	test_grep "^nginx: reload for app .api.: nginx: \[emerg\] bind() to 127.0.0.1:$BACKEND1_PORT failed" err &&
	test_path_is_missing "$H/nginx/apps/api.conf" &&
	get &&
	test_cmp expect body &&
	grep -i "^X-Solum-Release: 2" headers
'

test_expect_success 'a configuration nginx -t rejects is reported and the file put back' '
	test_when_finished "rm -f \"\$H/nginx/apps/broken.conf\"" &&
	cp "$H/nginx/apps/web.conf" web.conf.before &&
	echo "garbage;" >"$H/nginx/apps/broken.conf" &&
	test_must_fail test-tool nginx "$H" route web "$APP_PORT" 127.0.0.1 \
		"$BACKEND1_PORT" 3 2>err &&
	test_line_count = 1 err &&
	test_grep "^nginx: reload for app .web.: nginx: \[emerg\] unknown directive \"garbage\"" err &&
	test_cmp web.conf.before "$H/nginx/apps/web.conf" &&
	get &&
	test_cmp expect body
'

test_expect_success 'unroute closes the stable port' '
	test-tool nginx "$H" unroute web &&
	test_path_is_missing "$H/nginx/apps/web.conf" &&
	! test_port_open "$APP_PORT" &&
	test-tool nginx "$H" unroute web &&
	test-tool nginx "$H" status >status &&
	grep "^running" status
'

test_expect_success 'stop ends the master and its workers' '
	pid=$(cat "$H/nginx/nginx.pid") &&
	workers=$(children_of "$pid") &&
	test -n "$workers" &&
	test-tool nginx "$H" stop &&
	gone "$pid" &&
	for w in $workers; do gone "$w" || return 1; done &&
	test_path_is_missing "$H/nginx/nginx.pid" &&
	test-tool nginx "$H" status >status &&
	echo stopped >expect &&
	test_cmp expect status &&
	test-tool nginx "$H" stop
'

test_expect_success 'route starts a new master after a stop' '
	test_when_finished "test-tool nginx \"\$H\" stop" &&
	test-tool nginx "$H" route web "$APP_PORT" 127.0.0.1 "$BACKEND1_PORT" 4 &&
	get &&
	echo "backend 1" >expect &&
	test_cmp expect body &&
	grep -i "^X-Solum-Release: 4" headers
'

test_done
