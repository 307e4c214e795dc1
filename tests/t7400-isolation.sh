#!/bin/bash
test_description='end to end: apps on networks of their own, the container port, limits, health check words'
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-docker.sh"
. "$TEST_DIRECTORY/lib-deploy.sh"

test_docker_setup
test_registry_setup

# plain_app DIR PORT [BIND]: a Dockerfile app that knows nothing of solum:
# EXPOSE PORT, httpd on BIND:PORT (default all interfaces)
plain_app() {
	local dir=$1 port=$2 bind=${3:-0.0.0.0}
	mkdir -p "$dir/www" &&
	cat >"$dir/Dockerfile" <<-DOCKERFILE &&
	FROM local/busybox:latest
	COPY www /www
	EXPOSE $port
	CMD ["httpd", "-f", "-p", "$bind:$port", "-h", "/www"]
	DOCKERFILE
	echo "$dir" >"$dir/www/version.txt" &&
	git -C "$dir" init -q &&
	git -C "$dir" remote add solum "$(solum_url "$dir")" &&
	git -C "$dir" add -A &&
	git -C "$dir" commit -q -m "$dir"
}

# container_of APP: the id of the app's running container
container_of() {
	docker_cli ps -q --filter "label=solum.app=$1" | head -n1
}

test_expect_success DOCKER,REGISTRY 'setup' '
	deploy_setup &&
	solum app create web --health /version.txt &&
	make_app web one &&
	head -c 3000000 /dev/urandom >web/www/big.bin &&
	mkdir -p web/www/cgi-bin &&
	# a CGI that reads the whole request body and says how long it was
	cat >web/www/cgi-bin/count <<-\CGI &&
	#!/bin/sh
	printf "Content-Type: text/plain\r\n\r\n"
	wc -c
	CGI
	chmod +x web/www/cgi-bin/count &&
	git -C web add www && git -C web commit -q -m big &&
	solum app create plain --health /version.txt &&
	plain_app plain 8080
'

test_expect_success DOCKER,REGISTRY 'a $PORT app gets 5000 and is published on 127.0.0.1 only' '
	push web &&
	test_grep "port 5000 published on 127.0.0.1:" push.out &&
	url=$(app_url) &&
	curl -sf "$url/version.txt" >got &&
	test_grep "^one$" got &&
	id=$(container_of web) &&
	test -n "$id" &&
	docker_cli inspect -f "{{.HostConfig.NetworkMode}}" "$id" >mode &&
	test_grep "^solum-web$" mode &&
	hp=$(solum releases web --json | sed -n "s/.*\"host_port\": \([0-9]*\).*/\1/p" | head -n1) &&
	test -n "$hp" &&
	ss -ltnH "sport = :$hp" >socks &&
	test_grep "127.0.0.1:$hp" socks &&
	test_grep -v "0.0.0.0:$hp" socks &&
	test_grep -v "\*:$hp" socks
'

test_expect_success DOCKER,REGISTRY 'large bodies pass the front both ways, even with the home private' '
	url=$(app_url) &&
	curl -sf -o got.bin "$url/big.bin" &&
	cmp got.bin web/www/big.bin &&
	head -c 600000 /dev/urandom >body &&
	curl -sf --data-binary @body "$url/cgi-bin/count" >count &&
	test "$(tr -d " \n" <count)" = 600000 &&
	test_grep -v "Permission denied" "$SOLUM_HOME/nginx/error.log"
'

test_expect_success DOCKER,REGISTRY 'a plain Dockerfile app (EXPOSE 8080, 0.0.0.0) deploys unchanged' '
	push plain &&
	test_grep "port 8080 published on 127.0.0.1:" push.out &&
	curl -sf "$(app_url)/version.txt" >got &&
	test_grep "^plain$" got
'

test_expect_success DOCKER,REGISTRY 'apps cannot reach each other nor the host loopback' '
	a=$(container_of web) && b=$(container_of plain) &&
	bip=$(docker_cli inspect -f "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}" "$b") &&
	gw=$(docker_cli inspect -f "{{range .NetworkSettings.Networks}}{{.Gateway}}{{end}}" "$a") &&
	test -n "$bip" && test -n "$gw" &&
	curl -sf "http://$bip:8080/version.txt" >got &&
	test_grep "^plain$" got &&
	test_must_fail docker_cli exec "$a" nc -w 3 "$bip" 8080 </dev/null &&
	test_must_fail docker_cli exec "$a" nc -w 3 "$gw" "$SSHD_PORT" </dev/null &&
	test_must_fail docker_cli exec "$a" nc -w 3 "$gw" "$REGISTRY_PORT" </dev/null &&
	test_must_fail docker_cli exec "$a" nc -w 3 127.0.0.1 "$SSHD_PORT" </dev/null
'

test_expect_success DOCKER,REGISTRY 'containers run with memory, pids limits and no-new-privileges' '
	id=$(container_of web) &&
	docker_cli inspect -f "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.SecurityOpt}}" "$id" >limits &&
	test_grep "^536870912 256 \[no-new-privileges\]$" limits &&
	sed -i "s/^local:$/local:\n  memory: 64m\n  pids: 50/" "$SOLUM_HOME/solum.yaml" &&
	solum deploy web >out &&
	id=$(container_of web) &&
	docker_cli inspect -f "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}" "$id" >limits &&
	test_grep "^67108864 50$" limits
'

test_expect_success DOCKER,REGISTRY 'app set --port is the container port' '
	solum app create custom --health /version.txt --port 9000 &&
	mkdir -p custom/www &&
	printf "FROM local/busybox:latest\nCOPY www /www\nCMD [\"httpd\", \"-f\", \"-p\", \"9000\", \"-h\", \"/www\"]\n" >custom/Dockerfile &&
	echo custom >custom/www/version.txt &&
	git -C custom init -q && git -C custom add -A && git -C custom commit -q -m c &&
	git -C custom remote add solum "$(solum_url custom)" &&
	push custom &&
	test_grep "port 9000 published" push.out &&
	curl -sf "$(app_url)/version.txt" >got &&
	test_grep "^custom$" got
'

test_expect_success DOCKER,REGISTRY 'the longest name app create accepts deploys' '
	long=a123456789-123456789-123456789-123456789-123456789-123456789-1b &&
	test ${#long} = 63 &&
	solum app create "$long" --health /version.txt &&
	plain_app "$long" 8080 &&
	push "$long" &&
	test_grep "$long v1 is running at" push.out &&
	curl -sf "$(app_url)/version.txt" >got &&
	test_grep "^$long$" got
'

test_expect_success DOCKER,REGISTRY 'an app on 127.0.0.1 inside its container: the failure says so' '
	solum app create lo --health /version.txt &&
	plain_app lo 8080 127.0.0.1 &&
	sed -i "s/^  health_timeout: .*/  health_timeout: 3/" "$SOLUM_HOME/solum.yaml" &&
	push lo &&
	test_grep "nothing answered on port 8080 of the container" push.out &&
	test_grep "the image EXPOSEs 8080/tcp" push.out &&
	test_grep "the app listens on 127.0.0.1:8080 inside its container" push.out &&
	test_grep "nothing of lo is running yet" push.out
'

test_expect_success DOCKER,REGISTRY 'an app on another port: the failure names it' '
	solum app create other --health /version.txt --port 7000 &&
	plain_app other 8080 &&
	push other &&
	test_grep "nothing answered on port 7000 of the container" push.out &&
	test_grep "the app listens on 0.0.0.0:8080, not on port 7000" push.out &&
	test_grep -v "127.0.0.11" push.out
'

test_expect_success DOCKER,REGISTRY 'a failed deploy says what the front answers: the old release' '
	echo "RUN false" >>web/Dockerfile &&
	git -C web commit -q -am broken &&
	push web &&
	test_grep "web v[0-9]* is still serving at http://" push.out &&
	sed -i "/^RUN false$/d" web/Dockerfile
'

# A cgroup of the v1 name=systemd hierarchy stands in for the sshd's unit:
# stopping it kills every process in it (KillMode=control-group, the worst
# case; the shipped unit uses KillMode=process).
CG=/sys/fs/cgroup/systemd
if test -w "$CG/cgroup.procs" && mkdir "$CG/solum-test-$$" 2>/dev/null; then
	rmdir "$CG/solum-test-$$"
	test_set_prereq CGROUP
else
	say_diag "no writable cgroup hierarchy: the front-outlives-sshd test skips"
fi

test_expect_success DOCKER,REGISTRY,CGROUP 'stopping the SSH front leaves every app serving' '
	unit="$CG/solum-test-$$" &&
	mkdir "$unit" &&
	test_when_finished "rmdir $unit" &&
	url=$(solum app show web --json | sed -n "s/.*\"url\": \"\(http[^\"]*\)\".*/\1/p") &&
	test -n "$url" &&
	curl -sf "$url/version.txt" >/dev/null &&
	# the front as solum-front.service runs it: on its own, from nginx.conf
	deploy_stop_front &&
	nginx -c "$SOLUM_HOME/nginx/nginx.conf" -p "$SOLUM_HOME/nginx/" -e "$SOLUM_HOME/nginx/error.log" &&
	test_wait_for 10 curl -sf "$url/version.txt" -o /dev/null &&
	kill "$SSHD_PID" && wait "$SSHD_PID" || : &&
	port=$SSHD_PORT &&
	{ sh -c "echo \$\$ >$unit/cgroup.procs && exec solum sshd --listen 127.0.0.1:$port" >>sshd.log 2>&1 & } &&
	test_wait_for 20 test_port_open "$port" &&
	echo four >web/www/version.txt &&
	git -C web commit -q -am four &&
	push web &&
	curl -sf "$url/version.txt" >got && test_grep "^four$" got &&
	for p in $(cat "$unit/cgroup.procs"); do kill -9 "$p" 2>/dev/null; done &&
	test_wait_for 10 test_must_fail test_port_open "$port" &&
	curl -sf "$url/version.txt" >got && test_grep "^four$" got &&
	curl -sf "$(solum app show plain --json | sed -n "s/.*\"url\": \"\(http[^\"]*\)\".*/\1/p")version.txt" >got &&
	test_grep "^plain$" got &&
	solum_start_sshd &&
	sed -i "s/127.0.0.1:[0-9]*/127.0.0.1:$SSHD_PORT/" web/.git/config &&
	echo five >web/www/version.txt &&
	git -C web commit -q -am five &&
	push web &&
	curl -sf "$url/version.txt" >got && test_grep "^five$" got
'

test_expect_success DOCKER,REGISTRY 'with the engine down, the failure line does not claim a release serves' '
	"$SOLUM_SCRIPTS/dockerd.sh" stop "$DOCKERD_DIR" &&
	echo three >web/www/version.txt &&
	git -C web commit -q -am three &&
	push web &&
	test_grep "Docker engine" push.out &&
	test_grep -v "is still serving" push.out &&
	test_grep "answers 502: no release of web is serving" push.out
'

test_done
