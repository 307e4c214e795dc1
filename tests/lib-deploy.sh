# lib-deploy.sh: end-to-end helpers for deploy tests
#
# Source after lib.sh and lib-docker.sh. deploy_setup (inside a test) makes
# a solum home wired to the test's private Docker engine and registry, with
# its own port ranges, starts `solum sshd`, and registers the user `dev`
# (push on every repository) and `admin` (global admin). The app front
# (nginx) that deploys start is stopped, by pid, when the script ends.

deploy_config() {
	local pub cont
	pub=$(test_free_port) || return 1
	cont=$(test_free_port) || return 1
	# DEPLOY_DOCKER_FROM_ENV: the engine comes from sshd's DOCKER_HOST
	if test -n "$DEPLOY_DOCKER_FROM_ENV"; then
		DOCKER_HOST=$DOCKER_URL
		export DOCKER_HOST
	else
		printf "docker:\n  host: %s\n" "$DOCKER_URL"
	fi >"$SOLUM_HOME/solum.yaml" &&
	cat >>"$SOLUM_HOME/solum.yaml" <<YAML
registry:
  address: ${REGISTRY:-}
  username: ${REGISTRY_USER:-}
  password: ${REGISTRY_PASSWORD:-}
local:
  public_port_min: $pub
  public_port_max: $((pub + 20))
  port_min: $cont
  port_max: $((cont + 300))
  health_timeout: ${DEPLOY_HEALTH_TIMEOUT:-20}
deploy:
  progress_interval: 2
YAML
}

deploy_stop_front() {
	local pid
	pid=$(cat "$SOLUM_HOME/nginx/nginx.pid" 2>/dev/null) || return 0
	kill -QUIT "$pid" 2>/dev/null
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.2
	done
	kill -9 "$pid" 2>/dev/null
	return 0
}

deploy_setup() {
	solum_init &&
	deploy_config &&
	test_atexit_run deploy_stop_front &&
	solum_start_sshd &&
	solum_user dev push "*" &&
	solum_user admin admin "*"
}

# make_app DIR: a tiny web app (busybox httpd on $PORT, all interfaces) whose
# /version.txt says VERSION.
make_app() {
	local dir=$1 version=${2:-one}
	mkdir -p "$dir/www" &&
	cat >"$dir/Dockerfile" <<'DOCKERFILE' &&
FROM local/busybox:latest
COPY www /www
COPY start.sh /start.sh
CMD ["/start.sh"]
DOCKERFILE
	cat >"$dir/start.sh" <<'SH' &&
#!/bin/sh
echo "$SOLUM_RELEASE" >/www/release.txt
exec httpd -f -p "$PORT" -h /www
SH
	chmod +x "$dir/start.sh" &&
	echo "$version" >"$dir/www/version.txt" &&
	if ! test -d "$dir/.git"; then
		git -C "$dir" init -q &&
		git -C "$dir" remote add solum "$(solum_url "$(basename "$dir")")"
	fi &&
	git -C "$dir" add -A &&
	git -C "$dir" commit -q -m "$version"
}

# push DIR [git push args]: push DIR's master to solum as dev; output in push.out
push() {
	local dir=$1
	shift
	as_user dev git -C "$dir" push "$@" solum master >push.out 2>&1
	local rc=$?
	cat push.out
	return $rc
}

# app_url: the URL the last push printed
app_url() {
	sed -n 's/.* is running at \(http[^ ]*\) .*/\1/p' push.out | tail -n1
}

# docker_cli ARGS: the docker client against the test engine
docker_cli() { docker --host "$DOCKER_URL" "$@"; }

# ---- killing deploys (tests of kill -9 at each step) ----

# deploy_paused APP STEP [ARGS]: run `solum deploy APP ARGS` in the
# background with the test hook SOLUM_TEST_PAUSE=STEP (building, pushing,
# starting, health, swap), and wait until it is paused there. Its output
# goes to deploy.out, its pid to DEPLOY_PID.
deploy_paused() {
	local app=$1 step=$2
	shift 2
	: >deploy.out &&
	{ SOLUM_TEST_PAUSE=$step solum deploy "$app" "$@" >deploy.out 2>&1 & } &&
	test_bg_register $! &&
	test_wait_for 60 grep -q "paused at $step" deploy.out || {
		cat deploy.out
		return 1
	}
	DEPLOY_PID=$(sed -n "s/.*paused at $step (pid \([0-9]*\)).*/\1/p" deploy.out)
	test -n "$DEPLOY_PID"
}

# kill_hard PID: kill -9 PID and wait, at most 10 s, until it is gone.
kill_hard() {
	kill -9 "$1" || return 1
	wait "$1" 2>/dev/null
	test_wait_for 10 eval "! kill -0 $1 2>/dev/null"
}

# newest_release APP: the number of APP's newest release
newest_release() {
	solum releases "$1" --json | sed -n 's/.*"number": \([0-9]*\),/\1/p' | head -n1
}

# front_release URL: the release the front names in its answer
front_release() {
	curl -sS -o /dev/null -D - "$1" | tr -d '\r' |
	sed -n 's/^X-Solum-Release: *\([0-9]*\)$/\1/Ip'
}

# expect_serving APP URL N CONTENT: release N of APP serves (URL's
# version.txt is CONTENT), and the front's config, the engine and <home>
# agree: only N's container is left, no release lock or temporary file.
expect_serving() {
	local app=$1 url=$2 n=$3 content=$4
	curl -fsS "${url}version.txt" >got &&
	echo "$content" >expect &&
	test_cmp expect got &&
	test "$(front_release "$url")" = "$n" &&
	test_grep "^# solum: app $app listen .* release $n$" \
		"$SOLUM_HOME/nginx/apps/$app.conf" &&
	test-tool docker ps "$DOCKER_URL" "solum.app=$app" >ps &&
	echo "solum-$app-v$n running" >expect &&
	test_cmp expect ps &&
	ls -A "$SOLUM_HOME/nginx/apps" >apps &&
	echo "$app.conf" >expect &&
	test_cmp expect apps &&
	ls -A "$SOLUM_HOME/run" >run &&
	test_grep -v "@v" run
}

# ---- an upstream served by another solum ----

# upstream_solum HOME SRC: another solum home HOME whose repository "up"
# holds SRC's master, served by its own `solum sshd` on a free port
# (written to upstream.port), readable with this solum's client key,
# whose host key this solum's known_hosts lists. Prints nothing.
upstream_solum() {
	local home=$1 src=$2 port pid
	solum --home "$home" init >/dev/null &&
	solum --home "$home" app create up >/dev/null &&
	git --git-dir="$home/repos/up.git" fetch -q "$src" master:master &&
	solum --home "$home" key add fetcher "$SOLUM_HOME/ssh/id_ed25519.pub" >/dev/null &&
	solum --home "$home" grant fetcher up --role read >/dev/null &&
	port=$(test_free_port) || return 1
	solum --home "$home" sshd --listen "127.0.0.1:$port" \
		>>"$TRASH_DIRECTORY/upstream-sshd.log" 2>&1 &
	pid=$!
	test_bg_register $pid
	test_wait_for 20 test_port_open "$port" || return 1
	echo "$port" >upstream.port
}
