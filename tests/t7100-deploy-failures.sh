#!/bin/bash
test_description='end to end: the build context, serialized pushes, hang-ups and failures'
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-docker.sh"
. "$TEST_DIRECTORY/lib-deploy.sh"

test_docker_setup
test_registry_setup

long=dir-$(printf "%0140d" 0)/f

test_expect_success DOCKER,REGISTRY 'setup' '
	deploy_setup &&
	solum app create web --health /version.txt &&
	make_app web one &&
	push web
'

test_expect_success DOCKER,REGISTRY 'the image holds modes, symlinks and long paths, not ignored files' '
	printf "#!/bin/sh\necho hi\n" >web/run.sh &&
	chmod +x web/run.sh &&
	ln -s www/version.txt web/link &&
	mkdir -p "web/$(dirname $long)" &&
	echo deep >"web/$long" &&
	echo secret >web/secret.txt &&
	mkdir -p web/tmp && echo x >web/tmp/junk &&
	printf "secret.txt\ntmp/\n" >web/.dockerignore &&
	echo "COPY . /src" >>web/Dockerfile &&
	git -C web add -A && git -C web commit -q -m context &&
	push web &&
	img=$(solum releases web --json | sed -n "s/.*\"image\": \"\(.*\)\",/\1/p" | head -n1) &&
	id=$(docker_cli create "$img") &&
	test_when_finished "docker_cli rm $id >/dev/null" &&
	docker_cli export "$id" | tar -tvf - >listing &&
	test_grep "^-rwxr-xr-x .* src/run.sh$" listing &&
	test_grep "^lrwxrwxrwx .* src/link -> www/version.txt$" listing &&
	test_grep "src/$long$" listing &&
	test_grep "src/Dockerfile$" listing &&
	test_grep -v "src/secret.txt" listing &&
	test_grep -v "src/tmp/junk" listing
'

slow_commit() {
	echo "RUN sleep ${2:-3}" >>web/Dockerfile &&
	echo "$1" >web/www/version.txt &&
	git -C web commit -q -am "$1"
}

test_expect_success DOCKER,REGISTRY 'two pushes to one app are serialized' '
	slow_commit slow1 &&
	git clone -q web web2 &&
	: >push.out &&
	{ push web & } &&
	first=$! &&
	test_wait_for 20 grep -q "Building web" push.out &&
	echo second >web2/www/version.txt &&
	git -C web2 commit -q -am second &&
	as_user dev git -C web2 push "$(solum_url web)" master >push2.out 2>&1 &&
	wait $first &&
	test_grep "Waiting for web v[0-9]* to finish deploying" push2.out &&
	test_grep "is running at" push2.out &&
	solum releases web --json >json &&
	n=$(sed -n "s/.*\"number\": \([0-9]*\),/\1/p" json | head -n1) &&
	solum releases web >list &&
	test_grep "^v$n  *succeeded" list &&
	test_grep "^v$((n - 1))  *succeeded" list &&
	git -C web pull -q --ff-only "$PWD/web2" master
'

test_expect_success DOCKER,REGISTRY 'of several waiting pushes only the newest deploys' '
	# A builds long enough for B and C to queue behind it, even on a busy machine
	slow_commit slowA 12 &&
	git clone -q web webB &&
	echo B >webB/www/version.txt &&
	git -C webB commit -q -am B &&
	git clone -q webB webC &&
	echo C >webC/www/version.txt &&
	git -C webC commit -q -am C &&
	: >push.out &&
	{ push web & } &&
	a=$! &&
	test_wait_for 20 grep -q "Building web" push.out &&
	: >pushB.out &&
	{ as_user dev git -C webB push "$(solum_url web)" master >pushB.out 2>&1 & } &&
	b=$! &&
	test_wait_for 20 grep -q "Waiting for web" pushB.out &&
	as_user dev git -C webC push "$(solum_url web)" master >pushC.out 2>&1 &&
	wait $a && wait $b &&
	test_grep "superseded by v[0-9]*, a newer push: not deployed" pushB.out &&
	test_grep "is running at" pushC.out &&
	solum releases web >list &&
	head -n4 list >top &&
	test_grep "^v[0-9]*  *succeeded .*" top &&
	test_grep "^v[0-9]*  *superseded" top &&
	url=$(solum app show web --json | sed -n "s/.*\"url\": \"\(.*\)\".*/\1/p") &&
	curl -fsS "${url}version.txt" >got &&
	echo C >expect &&
	test_cmp expect got &&
	git -C web pull -q --ff-only "$PWD/webC" master
'

test_expect_success DOCKER,REGISTRY 'a client that hangs up does not stop its deploy' '
	slow_commit hangup 4 &&
	: >push.out &&
	{ GIT_SSH_COMMAND=$(ssh_command dev) setsid git -C web push solum master >push.out 2>&1 & } &&
	echo $! >push.pid &&
	test_wait_for 30 grep -q "Building web" push.out &&
	kill -9 -- -$(cat push.pid) &&
	n=$(solum releases web --json | sed -n "s/.*\"number\": \([0-9]*\),/\1/p" | head -n1) &&
	solum releases web --json >json &&
	test_grep "\"commit\": \"$(git -C web rev-parse HEAD)\"" json &&
	solum logs web "$n" --follow >log &&
	test_grep "web v$n is running at" log &&
	solum releases web >list &&
	test_grep "^v$n  *succeeded" list
'

test_expect_success DOCKER,REGISTRY 'solum cancel stops a running deploy; the old release serves on' '
	url=$(solum app show web --json | sed -n "s/.*\"url\": \"\(.*\)\".*/\1/p") &&
	test -n "$url" &&
	slow_commit cancelme 20 &&
	: >push.out &&
	{ push web & } &&
	pusher=$! &&
	test_wait_for 30 grep -q "sleep 20" push.out &&
	solum cancel web &&
	wait $pusher &&
	test_grep "cancelled" push.out &&
	solum releases web >list &&
	head -n2 list | test_grep "cancelled" &&
	curl -fsS "${url}version.txt" >got &&
	echo hangup >expect &&
	test_cmp expect got
'

test_expect_success DOCKER,REGISTRY 'a refused registry login is one clear line' '
	cp "$SOLUM_HOME/solum.yaml" good.yaml &&
	test_when_finished "cp good.yaml \"\$SOLUM_HOME/solum.yaml\"" &&
	sed -i "s/^  password: .*/  password: wrong/" "$SOLUM_HOME/solum.yaml" &&
	echo "auth" >web/www/version.txt &&
	git -C web commit -q -am auth &&
	push web &&
	test_grep -i "remote:  !     web v[0-9]* failed: registry: docker: log in to .$REGISTRY. as .solum.: HTTP [0-9]*: .*unauthorized" push.out &&
	test_grep -v "Building web" push.out &&
	test_grep "remote:  !     web v[0-9]* is still serving" push.out
'

test_expect_success DOCKER,REGISTRY 'an unreachable Docker engine is a clear error and nothing is half-done' '
	cp "$SOLUM_HOME/solum.yaml" good.yaml &&
	test_when_finished "cp good.yaml \"\$SOLUM_HOME/solum.yaml\"" &&
	sed -i "s|^  host: .*|  host: unix://$PWD/no-such.sock|" "$SOLUM_HOME/solum.yaml" &&
	echo "nodocker" >web/www/version.txt &&
	git -C web commit -q -am nodocker &&
	push web &&
	test_grep "remote:  !     web v[0-9]* failed: Docker engine: .*no-such.sock" push.out &&
	solum releases web --json >json &&
	test_grep -v "\"status\": \"building\"" json &&
	test_grep -v "\"status\": \"deploying\"" json
'

test_done
