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
#
# Ports: solum's SSH front (from SOLUM_DEMO_SSH_PORT, default 2222), the
# registry (SOLUM_DEMO_REGISTRY_PORT, 5000) and the apps' stable ports
# behind nginx (ten from SOLUM_DEMO_PUBLIC_PORT, 8000) are each the first
# free one from there, checked on every start; what keeps running from an
# earlier start keeps its port. solum.yaml is rewritten each time to say
# what runs. (Containers get ports solum checks itself, from 20000.)
#
# SOLUM_DEMO_BUILT=DIR: solum is built in DIR already (what `make demo`
# does first, after scripts/deps.sh): install and build nothing.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
dir=${SOLUM_DEMO_DIR:-$src/demo}
home=$dir/home
solum=${SOLUM_DEMO_BUILT:-$src/build}/solum
ssh_port=${SOLUM_DEMO_SSH_PORT:-2222}
reg_port=${SOLUM_DEMO_REGISTRY_PORT:-5000}
pub_port=${SOLUM_DEMO_PUBLIC_PORT:-8000}
pub_count=10
reg_user=demo
reg_pass=demo-password

say() { printf '==> %s\n' "$*"; }

port_open() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

docker_ping() { curl -sf --max-time 3 --unix-socket "${1#unix://}" http://docker/_ping >/dev/null 2>&1; }

# ports this run has handed out already, " P1 P2 ... "
given=" "

# port_busy P: something answers on 127.0.0.1:P or listens on P at all
port_busy() {
	case "$given" in *" $1 "*) return 0 ;; esac
	port_open "$1" && return 0
	command -v ss >/dev/null || return 1
	[ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]
}

# free_ports FIRST COUNT: set $port to the first P >= FIRST such that
# P .. P+COUNT-1 are all free, and hand them out
free_ports() {
	local p=$1 n=$2 i tries
	for ((tries = 0; tries < 500 && p + n <= 65536; tries++)); do
		for ((i = 0; i < n; i++)); do
			port_busy $((p + i)) && break
		done
		if [ "$i" -eq "$n" ]; then
			port=$p
			for ((i = 0; i < n; i++)); do given="$given$((p + i)) "; done
			return 0
		fi
		p=$((p + i + 1))
	done
	echo "demo: no $n free port(s) on 127.0.0.1 from $1 on" >&2
	return 1
}

give() { given="$given$1 "; }

# yaml_value KEY: an "  KEY: VALUE" line of the current solum.yaml
yaml_value() {
	sed -n "s/^  $1: *\([^ #]*\).*/\1/p" "$home/solum.yaml" 2>/dev/null | head -n1
}

build() {
	say "installing packages (if missing)"
	if [ "$(id -u)" = 0 ]; then
		bash "$src/scripts/deps.sh"
	else
		bash "$src/scripts/deps.sh" || { echo "run as root: sudo make demo" >&2; exit 1; }
	fi
	say "building solum"
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$src" -j2 >/dev/null
}

# the registry: ours if it still runs, else a new one on a free port
start_registry() {
	local port
	if "$src/scripts/registry.sh" status "$dir/registry" >/dev/null 2>&1 &&
	   [ -s "$dir/registry.port" ]; then
		reg_port=$(cat "$dir/registry.port")
		give "$reg_port"
		return 0
	fi
	"$src/scripts/registry.sh" stop "$dir/registry" >/dev/null 2>&1 || true
	free_ports "$reg_port" 1
	reg_port=$port
	say "starting a registry on 127.0.0.1:$reg_port"
	"$src/scripts/registry.sh" start "$dir/registry" "$reg_port" "$reg_user" "$reg_pass" >/dev/null
	echo "$reg_port" >"$dir/registry.port"
}

# the SSH front's port and the apps' range: kept while ours run, else free
pick_ports() {
	local port p
	if alive "$dir/sshd.pid" && p=$(yaml_value listen) && [ -n "$p" ]; then
		ssh_port=${p##*:}
		give "$ssh_port"
	else
		free_ports "$ssh_port" 1
		ssh_port=$port
	fi
	if alive "$home/nginx/nginx.pid" && p=$(yaml_value public_port_min) &&
	   [ -n "$p" ]; then
		pub_port=$p
		for ((port = p; port < p + pub_count; port++)); do give $port; done
	else
		free_ports "$pub_port" "$pub_count"
		pub_port=$port
	fi
}

write_config() {
	cat >"$home/solum.yaml" <<YAML
# written by scripts/demo.sh at each start, for the ports it found free;
# see 'solum init' for every key
sshd:
  listen: 127.0.0.1:$ssh_port
docker:
  host: $1
registry:
  address: 127.0.0.1:$reg_port
  username: $reg_user
  password: $reg_pass
local:
  public_port_min: $pub_port
  public_port_max: $((pub_port + pub_count - 1))
YAML
}

# the app hello, on a stable port inside the range that is free now
ensure_app() {
	local url
	url=$("$solum" --home "$home" app show hello --json 2>/dev/null |
		sed -n 's/.*"url": "http:[^"]*:\([0-9]*\)\/".*/\1/p') || true
	if [ -n "$url" ] &&
	   { [ "$url" -lt "$pub_port" ] || [ "$url" -ge $((pub_port + pub_count)) ]; }; then
		say "hello's port $url is not among the free ones now: creating hello again"
		"$solum" --home "$home" app delete hello >/dev/null
	fi
	"$solum" --home "$home" app show hello >/dev/null 2>&1 ||
		"$solum" --home "$home" app create hello --health /release.txt >/dev/null
}

start_sshd() {
	if alive "$dir/sshd.pid"; then
		return 0
	fi
	say "starting solum sshd on 127.0.0.1:$ssh_port"
	nohup "$solum" --home "$home" sshd >>"$dir/sshd.log" 2>&1 &
	echo $! >"$dir/sshd.pid"
	for _ in $(seq 1 50); do
		alive "$dir/sshd.pid" || break
		port_open "$ssh_port" && return 0
		sleep 0.1
	done
	echo "solum sshd did not start on 127.0.0.1:$ssh_port; see $dir/sshd.log" >&2
	exit 1
}

start() {
	mkdir -p "$dir"
	[ -n "${SOLUM_DEMO_BUILT:-}" ] || build

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

	# solum's home, and the ports: free ones, or those ours still hold
	"$solum" --home "$home" init >/dev/null
	start_registry
	pick_ports
	write_config "$host"
	say "ports: ssh $ssh_port, registry $reg_port, apps $pub_port-$((pub_port + pub_count - 1))"
	start_sshd

	# a developer: a key, admin rights, the app
	if [ ! -f "$dir/id_ed25519" ]; then
		ssh-keygen -q -t ed25519 -N '' -C demo@solum -f "$dir/id_ed25519"
		"$solum" --home "$home" key add demo "$dir/id_ed25519.pub" >/dev/null
		"$solum" --home "$home" grant demo '*' --role admin >/dev/null
	fi
	ensure_app

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
		git -C "$work" remote set-url solum "ssh://solum@127.0.0.1:$ssh_port/hello.git"
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
