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
