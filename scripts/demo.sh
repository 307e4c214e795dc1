#!/bin/bash
# demo.sh: set solum up on this machine and push the example app
#
#   scripts/demo.sh start   install what is missing, build, start a Docker
#                           engine and registry if none is reachable, start
#                           solum, push examples/hello, print its URL
#   scripts/demo.sh stop    stop only what `start` started (by pid)
#
# Everything lives under ./demo (override with SOLUM_DEMO_DIR) and listens
# on 127.0.0.1. Running `start` again is harmless: it pushes a new release.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
dir=${SOLUM_DEMO_DIR:-$src/demo}
home=$dir/home
solum=$src/build/solum
ssh_port=${SOLUM_DEMO_SSH_PORT:-2222}
reg_port=${SOLUM_DEMO_REGISTRY_PORT:-5000}
reg_user=demo
reg_pass=demo-password

say() { printf '==> %s\n' "$*"; }

port_open() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

docker_ping() { curl -sf --max-time 3 --unix-socket "${1#unix://}" http://docker/_ping >/dev/null 2>&1; }

start() {
	mkdir -p "$dir"
	say "installing packages (if missing)"
	if [ "$(id -u)" = 0 ]; then
		bash "$src/scripts/deps.sh"
	else
		bash "$src/scripts/deps.sh" || { echo "run as root: sudo make demo" >&2; exit 1; }
	fi
	say "building solum"
	make -s -C "$src" -j2 >/dev/null

	# a Docker engine: DOCKER_HOST or the system one if it answers, else ours
	local host=${DOCKER_HOST:-unix:///var/run/docker.sock}
	if [[ $host == unix://* ]] && docker_ping "$host"; then
		say "using the Docker engine at $host"
	else
		say "starting a private Docker engine in $dir/docker"
		host=unix://$("$src/scripts/dockerd.sh" start "$dir/docker")
		touch "$dir/docker.ours"
	fi
	"$src/scripts/base-image.sh" "$host" >/dev/null
	echo "$host" >"$dir/docker.host"

	# a registry with htpasswd auth
	if ! "$src/scripts/registry.sh" status "$dir/registry" >/dev/null 2>&1; then
		while port_open "$reg_port"; do reg_port=$((reg_port + 1)); done
		say "starting a registry on 127.0.0.1:$reg_port"
		"$src/scripts/registry.sh" start "$dir/registry" "$reg_port" "$reg_user" "$reg_pass" >/dev/null
		echo "$reg_port" >"$dir/registry.port"
	fi
	reg_port=$(cat "$dir/registry.port")

	# solum's home and configuration
	if [ ! -f "$home/solum.yaml" ]; then
		while port_open "$ssh_port"; do ssh_port=$((ssh_port + 1)); done
		"$solum" --home "$home" init >/dev/null
		cat >"$home/solum.yaml" <<YAML
# written by scripts/demo.sh; see 'solum init' for every key
sshd:
  listen: 127.0.0.1:$ssh_port
docker:
  host: $host
registry:
  address: 127.0.0.1:$reg_port
  username: $reg_user
  password: $reg_pass
YAML
	fi
	"$solum" --home "$home" init >/dev/null
	ssh_port=$(sed -n 's/^  listen: 127.0.0.1:\([0-9]*\)$/\1/p' "$home/solum.yaml" | head -n1)

	if ! alive "$dir/sshd.pid"; then
		say "starting solum sshd on 127.0.0.1:$ssh_port"
		nohup "$solum" --home "$home" sshd >>"$dir/sshd.log" 2>&1 &
		echo $! >"$dir/sshd.pid"
		for _ in $(seq 1 50); do port_open "$ssh_port" && break; sleep 0.1; done
		port_open "$ssh_port" || { echo "solum sshd did not start; see $dir/sshd.log" >&2; exit 1; }
	fi

	# a developer: a key, admin rights, the app
	if [ ! -f "$dir/id_ed25519" ]; then
		ssh-keygen -q -t ed25519 -N '' -C demo@solum -f "$dir/id_ed25519"
		"$solum" --home "$home" key add demo "$dir/id_ed25519.pub" >/dev/null
		"$solum" --home "$home" grant demo '*' --role admin >/dev/null
	fi
	"$solum" --home "$home" app show hello >/dev/null 2>&1 ||
		"$solum" --home "$home" app create hello --health /release.txt >/dev/null

	# the developer's side: a clone of the example, pushed over SSH
	local work=$dir/hello
	if [ ! -d "$work/.git" ]; then
		rm -rf "$work"
		cp -r "$src/examples/hello" "$work"
		git -C "$work" init -q -b master
		git -C "$work" add -A
		git -C "$work" -c user.name=Demo -c user.email=demo@example.com commit -q -m "hello"
		git -C "$work" remote add solum "ssh://solum@127.0.0.1:$ssh_port/hello.git"
	else
		date >"$work/www/pushed-at.txt"
		git -C "$work" add -A
		git -C "$work" -c user.name=Demo -c user.email=demo@example.com commit -q -m "push again"
	fi
	say "git push solum master"
	GIT_SSH_COMMAND="ssh -i $dir/id_ed25519 -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=$dir/known_hosts -o LogLevel=ERROR" \
		git -C "$work" push solum master 2>&1 | tee "$dir/push.log"

	local url
	url=$(sed -n 's/.* is running at \(http[^ ]*\) .*/\1/p' "$dir/push.log" | tail -n1)
	if [ -z "$url" ]; then
		echo "the deploy did not finish; see the push output above" >&2
		exit 1
	fi
	say "the app answers at $url"
	curl -fsS "${url}release.txt"
	echo
	echo "Push again:  cd $work && GIT_SSH_COMMAND='ssh -i $dir/id_ed25519' git push solum master"
	echo "Releases:    $solum --home $home releases hello"
	echo "Stop:        make demo-stop"
}

stop() {
	local host
	if alive "$dir/sshd.pid"; then
		say "stopping solum sshd"
		kill "$(cat "$dir/sshd.pid")"
	fi
	rm -f "$dir/sshd.pid"
	if alive "$home/nginx/nginx.pid"; then
		say "stopping the app front (nginx)"
		kill -QUIT "$(cat "$home/nginx/nginx.pid")"
	fi
	host=$(cat "$dir/docker.host" 2>/dev/null || true)
	if [ -n "$host" ] && docker_ping "$host"; then
		say "removing the demo's app containers"
		local ids
		ids=$(curl -sf --unix-socket "${host#unix://}" \
			'http://docker/v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22solum.app%3Dhello%22%5D%7D' |
			grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4 || true)
		for id in $ids; do
			curl -sf -X DELETE --unix-socket "${host#unix://}" "http://docker/v1.41/containers/$id?force=1" >/dev/null || true
		done
	fi
	if [ -d "$dir/registry" ]; then
		say "stopping the registry"
		"$src/scripts/registry.sh" stop "$dir/registry" || true
	fi
	if [ -f "$dir/docker.ours" ]; then
		say "stopping the private Docker engine"
		"$src/scripts/dockerd.sh" stop "$dir/docker" || true
		rm -f "$dir/docker.ours"
	fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*) echo "usage: demo.sh start|stop" >&2; exit 129 ;;
esac
