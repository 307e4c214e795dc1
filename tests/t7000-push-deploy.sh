#!/bin/bash
test_description='end to end: git push over SSH builds, pushes and runs the app'
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-docker.sh"
. "$TEST_DIRECTORY/lib-deploy.sh"

test_docker_setup
test_registry_setup

test_expect_success DOCKER,REGISTRY 'setup' '
	deploy_setup &&
	solum app create web --health /version.txt
'

test_expect_success DOCKER,REGISTRY 'a push deploys and the app answers' '
	make_app web one &&
	push web &&
	test_grep "^remote: -----> Building web ([0-9a-f]\{7\})" push.out &&
	test_grep "^remote:        Step 1/" push.out &&
	test_grep "^remote: -----> Pushing $REGISTRY/web:v1" push.out &&
	test_grep "^remote: -----> web v1 is running at http://127.0.0.1:[0-9]*/" push.out &&
	url=$(app_url) &&
	echo "$url" >url &&
	curl -fsS "${url}version.txt" >got &&
	echo one >expect &&
	test_cmp expect got &&
	curl -fsS "${url}release.txt" >got &&
	echo v1 >expect &&
	test_cmp expect got
'

test_expect_success DOCKER,REGISTRY 'the release is recorded with its digest and log' '
	solum releases web --json >json &&
	test_grep "\"status\": \"succeeded\"" json &&
	test_grep "\"digest\": \"sha256:[0-9a-f]*\"" json &&
	test_grep "\"commit\": \"$(git -C web rev-parse HEAD)\"" json &&
	solum logs web 1 >log &&
	test_grep "web v1 is running at" log &&
	test_grep "Step 1/" log
'

test_expect_success DOCKER,REGISTRY 'a second push replaces it with no failed request' '
	url=$(cat url) &&
	(
		i=0 fails=0
		while test $i -lt 2000 && ! test -f loop.stop
		do
			curl -fsS -o /dev/null --max-time 5 "${url}version.txt" || fails=$((fails + 1))
			i=$((i + 1))
		done
		echo "$i $fails" >loop.result
	) &
	loop=$! &&
	make_app web two &&
	push web &&
	touch loop.stop &&
	wait $loop &&
	cat loop.result &&
	test "$(cut -d" " -f2 loop.result)" = 0 &&
	test "$(cut -d" " -f1 loop.result)" -gt 10 &&
	test "$(app_url)" = "$url" &&
	curl -fsS "${url}version.txt" >got &&
	echo two >expect &&
	test_cmp expect got &&
	test_grep "stopped solum-web-v1" push.out &&
	docker_cli ps --format "{{.Names}}" >names &&
	test_grep -v solum-web-v1 names
'

test_expect_success DOCKER,REGISTRY 'a failing RUN fails the release and the old one keeps serving' '
	url=$(cat url) &&
	echo "RUN echo about to fail && exit 3" >>web/Dockerfile &&
	git -C web commit -q -am "broken" &&
	push web &&
	test_grep "remote:        about to fail" push.out &&
	test_grep "remote:  !     web v3 failed: build: The command .* returned a non-zero code: 3" push.out &&
	test_grep "remote:  !     web v2 is still serving" push.out &&
	curl -fsS "${url}version.txt" >got &&
	echo two >expect &&
	test_cmp expect got &&
	solum releases web >list &&
	test_grep "^v3  *failed" list
'

test_expect_success DOCKER,REGISTRY 'a tree built before is not built again' '
	git -C web revert --no-edit HEAD >/dev/null &&
	push web &&
	test_grep "Reusing the image of v2" push.out &&
	test_grep -v "Step 1/" push.out &&
	test_grep "web v4 is running" push.out
'

test_expect_success DOCKER,REGISTRY 'rollback redeploys an earlier image without a build' '
	url=$(cat url) &&
	solum rollback web 1 >out &&
	test_grep "Rolling back web to v1" out &&
	test_grep -v "Step 1/" out &&
	curl -fsS "${url}version.txt" >got &&
	echo one >expect &&
	test_cmp expect got &&
	solum rollback web >out &&
	curl -fsS "${url}version.txt" >got &&
	echo two >expect &&
	test_cmp expect got
'

test_expect_success DOCKER,REGISTRY 'push -o deploy=skip stores without deploying' '
	make_app web three &&
	push web -o deploy=skip &&
	test_grep "deploy skipped" push.out &&
	curl -fsS "$(cat url)version.txt" >got &&
	echo two >expect &&
	test_cmp expect got &&
	solum deploy web >out &&
	curl -fsS "$(cat url)version.txt" >got &&
	echo three >expect &&
	test_cmp expect got
'

test_expect_success DOCKER,REGISTRY 'push -o deploy=async returns at once; logs --follow re-attaches' '
	make_app web four &&
	push web -o deploy=async &&
	test_grep "is deploying in the background" push.out &&
	n=$(sed -n "s/.*web v\([0-9]*\) .* is deploying in the background.*/\1/p" push.out) &&
	solum logs web "$n" --follow >log &&
	test_grep "web v$n is running at" log &&
	curl -fsS "$(cat url)version.txt" >got &&
	echo four >expect &&
	test_cmp expect got
'

test_expect_success DOCKER,REGISTRY 'old images are pruned; a rollback pulls them back from the registry' '
	sed -i "s/^deploy:$/deploy:\n  keep_releases: 2/" "$SOLUM_HOME/solum.yaml" &&
	make_app web five &&
	push web &&
	docker_cli image ls --format "{{.Repository}}:{{.Tag}}" >images &&
	test_grep -v "/web:v1$" images &&
	solum rollback web 1 >out &&
	test_grep "Pulling the image of v1" out &&
	curl -fsS "$(cat url)version.txt" >got &&
	echo one >expect &&
	test_cmp expect got
'

test_expect_success DOCKER,REGISTRY 'changed params reach the app on the next deploy, without a rebuild' '
	solum app set web --param GREETING=hello >out &&
	test_grep "solum deploy web. applies them now" out &&
	solum deploy web >out &&
	test_grep "Reusing the image of v" out &&
	test_grep -v "Step 1/" out &&
	n=$(sed -n "s/.*web v\([0-9]*\) is running at.*/\1/p" out) &&
	docker_cli inspect "solum-web-v$n" --format "{{range .Config.Env}}{{println .}}{{end}}" >env &&
	test_grep "^GREETING=hello$" env &&
	test_grep "^PORT=[0-9]*$" env
'

test_expect_success DOCKER,REGISTRY 'app delete takes the app off the engine' '
	url=$(cat url) &&
	solum app delete web >out &&
	test_grep "removed container solum-web-v" out &&
	test_must_fail curl -fsS "${url}version.txt" &&
	docker_cli ps -a --format "{{.Names}}" >names &&
	test_grep -v solum-web names
'

test_done
