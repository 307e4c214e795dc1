#!/bin/bash
# shellcheck disable=SC2016,SC2034
test_description='make demo beside programs on its ports: free ones, in solum.yaml, again after a stop'
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-docker.sh"

for c in nginx docker-registry htpasswd ssh ssh-keygen busybox; do
	command -v "$c" >/dev/null 2>&1 || test -x "/usr/sbin/$c" ||
		skip_all "$c is not installed (scripts/deps.sh installs it)"
done

test_docker_setup

DEMO=$TRASH_DIRECTORY/demo

# the demo script in the trash, on the test's engine, with first ports
# of the test's choosing (the real defaults belong to the machine's users)
demo() {
	SOLUM_DEMO_DIR=$DEMO SOLUM_DEMO_BUILT=$SOLUM_BUILD DOCKER_HOST=$DOCKER_URL \
	SOLUM_DEMO_SSH_PORT=$SSH0 SOLUM_DEMO_REGISTRY_PORT=$REG0 \
	SOLUM_DEMO_PUBLIC_PORT=$PUB0 \
		bash "$SOLUM_SRC/scripts/demo.sh" "$@"
}
test_atexit_run 'demo stop >/dev/null 2>&1'

# occupy PORT: another program listens on 127.0.0.1:PORT until the end
occupy() {
	mkdir -p www || return 1
	busybox httpd -f -p "127.0.0.1:$1" -h "$TRASH_DIRECTORY/www" &
	test_bg_register $!
	test_wait_for 5 test_port_open "$1"
}

# ports: what the demo's solum.yaml says, as shell assignments
ports() {
	local y=$DEMO/home/solum.yaml
	ssh=$(sed -n "s/^  listen: 127.0.0.1:\([0-9]*\)$/\1/p" "$y") &&
	reg=$(sed -n "s/^  address: 127.0.0.1:\([0-9]*\)$/\1/p" "$y") &&
	pmin=$(sed -n "s/^  public_port_min: \([0-9]*\)$/\1/p" "$y") &&
	pmax=$(sed -n "s/^  public_port_max: \([0-9]*\)$/\1/p" "$y") &&
	app=$(sed -n "s|.* is running at http://127.0.0.1:\([0-9]*\)/ .*|\1|p" \
		"$DEMO/push.log" | tail -n 1) &&
	test -n "$ssh" && test -n "$reg" && test -n "$pmin" && test -n "$pmax" &&
	test -n "$app" &&
	echo "ssh $ssh registry $reg apps $pmin-$pmax app $app"
}

# what_runs: the ports in solum.yaml are the ones that answer
what_runs() {
	test_port_open "$ssh" &&
	git -C "$DEMO/hello" remote get-url solum >url &&
	echo "ssh://solum@127.0.0.1:$ssh/hello.git" >expect &&
	test_cmp expect url &&
	code=$(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$reg/v2/") &&
	test "$code" = 401 &&
	test "$app" -ge "$pmin" && test "$app" -le "$pmax" &&
	curl -fsS "http://127.0.0.1:$app/release.txt" >release &&
	test_grep -q "^hello v" release
}

# not_in P LO HI: P is outside LO..HI
not_in() { test "$1" -lt "$2" || test "$1" -gt "$3"; }

test_expect_success DOCKER 'first ports taken by others: the demo picks free ones' '
	SSH0=$(test_free_port) && REG0=$(test_free_port) && PUB0=$(test_free_port) &&
	occupy "$SSH0" && occupy "$REG0" && occupy $((PUB0 + 3)) &&
	demo start >out 2>&1 &&
	ports &&
	test "$ssh" != "$SSH0" &&
	test "$reg" != "$REG0" &&
	not_in $((PUB0 + 3)) "$pmin" "$pmax" &&
	what_runs &&
	echo "$ssh $reg $app" >first
'

test_expect_success DOCKER 'demo stop closes every port it opened' '
	demo stop >out 2>&1 &&
	read -r ssh reg app <first &&
	! test_port_open "$ssh" &&
	! test_port_open "$reg" &&
	! test_port_open "$app"
'

test_expect_success DOCKER 'started again while others took its old ports: new ones, solum.yaml rewritten' '
	read -r ssh1 reg1 app1 <first &&
	occupy "$ssh1" && occupy "$reg1" && occupy "$app1" &&
	demo start >out 2>&1 &&
	ports &&
	test "$ssh" != "$ssh1" &&
	test "$reg" != "$reg1" &&
	test "$app" != "$app1" &&
	not_in "$app1" "$pmin" "$pmax" &&
	what_runs &&
	echo "$ssh $reg $app" >second
'

test_expect_success DOCKER 'started again while it runs: the same ports, a new release' '
	demo start >out 2>&1 &&
	ports &&
	echo "$ssh $reg $app" >third &&
	test_cmp second third &&
	what_runs &&
	test_grep -q "hello v[0-9]* is running at" "$DEMO/push.log"
'

test_expect_success DOCKER 'demo stop, again' '
	demo stop >out 2>&1 &&
	! test_port_open "$ssh" &&
	! test_port_open "$reg" &&
	! test_port_open "$app"
'

test_done
