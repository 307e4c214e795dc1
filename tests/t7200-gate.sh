#!/bin/bash
test_description='end to end: gate mode deploys from pre-receive and rejects failing pushes'
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-docker.sh"
. "$TEST_DIRECTORY/lib-deploy.sh"

test_docker_setup

test_expect_success DOCKER 'setup: an app in gate mode, no registry, the engine from DOCKER_HOST' '
	DEPLOY_DOCKER_FROM_ENV=1 &&
	deploy_setup &&
	test_grep -v "^docker:" "$SOLUM_HOME/solum.yaml" &&
	solum app create web --gate --health /version.txt
'

test_expect_success DOCKER 'a good push deploys before the branch moves' '
	make_app web one &&
	push web &&
	test_grep "web v1 is running at" push.out &&
	test "$(git --git-dir="$SOLUM_HOME/repos/web.git" rev-parse master)" = "$(git -C web rev-parse HEAD)" &&
	curl -fsS "$(app_url)version.txt" >got &&
	echo one >expect &&
	test_cmp expect got &&
	app_url >url
'

test_expect_success DOCKER 'a push whose build fails is rejected and stores nothing' '
	before=$(git --git-dir="$SOLUM_HOME/repos/web.git" rev-parse master) &&
	echo "RUN exit 7" >>web/Dockerfile &&
	git -C web commit -q -am broken &&
	test_must_fail push web &&
	test_grep "returned a non-zero code: 7" push.out &&
	test_grep "push of .master. rejected: web deploys in gate mode" push.out &&
	test_grep "pre-receive hook declined" push.out &&
	test "$(git --git-dir="$SOLUM_HOME/repos/web.git" rev-parse master)" = "$before" &&
	curl -fsS "$(cat url)version.txt" >got &&
	echo one >expect &&
	test_cmp expect got
'

test_expect_success DOCKER 'the fixed push goes through' '
	git -C web revert --no-edit HEAD >/dev/null &&
	echo two >web/www/version.txt &&
	git -C web commit -q -am two &&
	push web &&
	curl -fsS "$(cat url)version.txt" >got &&
	echo two >expect &&
	test_cmp expect got
'

test_expect_success DOCKER 'a push superseded while it waits is rejected: its commit never ran' '
	deploy_paused web building &&
	git clone -q web webB &&
	echo B >webB/www/version.txt &&
	git -C webB commit -q -am B &&
	git clone -q web webC &&
	echo C >webC/www/version.txt &&
	git -C webC commit -q -am C &&
	: >pushB.out &&
	{ as_user dev git -C webB push "$(solum_url web)" master >pushB.out 2>&1 & } &&
	b=$! &&
	test_wait_for 30 grep -q "Waiting for web" pushB.out &&
	: >pushC.out &&
	{ as_user dev git -C webC push "$(solum_url web)" master >pushC.out 2>&1 & } &&
	c=$! &&
	test_wait_for 30 grep -q "Waiting for web" pushC.out &&
	kill_hard "$DEPLOY_PID" &&
	{ wait $b; echo $? >b.rc; } &&
	{ wait $c; echo $? >c.rc; } &&
	cat pushB.out pushC.out &&
	test "$(cat b.rc)" != 0 &&
	test "$(cat c.rc)" = 0 &&
	test_grep "superseded by v[0-9]*, a newer push: this push is rejected, its commit was never deployed" pushB.out &&
	test_grep "pre-receive hook declined" pushB.out &&
	test_grep "web v[0-9]* is running at" pushC.out &&
	master=$(git --git-dir="$SOLUM_HOME/repos/web.git" rev-parse master) &&
	test "$master" = "$(git -C webC rev-parse HEAD)" &&
	test_must_fail git --git-dir="$SOLUM_HOME/repos/web.git" merge-base \
		--is-ancestor "$(git -C webB rev-parse HEAD)" master &&
	curl -fsS "$(cat url)version.txt" >got &&
	echo C >expect &&
	test_cmp expect got &&
	solum releases web >list &&
	test_grep "^v[0-9]*  *superseded .*this push is rejected" list &&
	test_grep "^v[0-9]*  *failed .*interrupted" list
'

test_done
