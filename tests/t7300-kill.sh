#!/bin/bash
test_description='end to end: a deploy killed (kill -9) at any step leaves the previous release serving'
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-docker.sh"
. "$TEST_DIRECTORY/lib-deploy.sh"

# The deploys are stopped at a known step by the test hook SOLUM_TEST_PAUSE
# (agent/out.h). `solum releases`, `logs` and `cancel` reap first: a release
# whose process is gone shows as failed (interrupted).

test_docker_setup
test_registry_setup

command -v sqlite3 >/dev/null 2>&1 && test_set_prereq SQLITE3

# new_version V: commit version V of the app and push it, not deployed
new_version() {
	echo "$1" >web/www/version.txt &&
	git -C web commit -q -am "$1" &&
	push web -o deploy=skip >/dev/null
}

# deploy_ok: deploy the head of web without waiting; SERVING, CONTENT
deploy_ok() {
	solum deploy web >next.out 2>&1 || { cat next.out; return 1; }
	test_grep -v "Waiting for" next.out &&
	SERVING=$(sed -n "s/.* web v\([0-9]*\) is running at .*/\1/p" next.out) &&
	CONTENT=$(cat web/www/version.txt) &&
	expect_serving web "$URL" "$SERVING" "$CONTENT"
}

# kill_at STEP: deploy a new version, kill it at STEP, check the old one
# serves and the killed one is failed (interrupted), then deploy again.
kill_at() {
	new_version "$1" &&
	deploy_paused web "$1" &&
	n=$(newest_release web) &&
	test "$(test-tool release "$SOLUM_HOME" holder web)" = "$DEPLOY_PID" &&
	test "$(test-tool release "$SOLUM_HOME" holder web "$n")" = "$DEPLOY_PID" &&
	kill_hard "$DEPLOY_PID" &&
	test_must_fail solum logs web "$n" --follow >log 2>err &&
	test_grep "paused at $1" log &&
	test_grep "the process of web v$n is gone; the release was interrupted" err &&
	solum releases web >list &&
	test_grep "^v$n  *failed .*interrupted" list &&
	expect_serving web "$URL" "$SERVING" "$CONTENT" &&
	deploy_ok
}

test_expect_success DOCKER 'setup: web v1 is pushed and serves' '
	deploy_setup &&
	solum app create web --health /version.txt &&
	make_app web one &&
	push web &&
	URL=$(app_url) &&
	test -n "$URL" &&
	SERVING=1 CONTENT=one &&
	expect_serving web "$URL" 1 one
'

test_expect_success DOCKER 'killed while building' '
	kill_at building
'

test_expect_success DOCKER,SQLITE3 'cancel does not signal a PID from the store' '
	new_version stale &&
	deploy_paused web building &&
	n=$(newest_release web) &&
	kill_hard "$DEPLOY_PID" &&
	{ sleep 120 & } &&
	other=$! &&
	test_bg_register $other &&
	sqlite3 "$SOLUM_HOME/solum.db" \
		"UPDATE releases SET pid = $other WHERE app = '\''web'\'' AND number = $n" &&
	test_must_fail solum cancel web 2>err &&
	test_grep "no deploy of .web. is running" err &&
	kill -0 $other &&
	kill $other &&
	solum releases web >list &&
	test_grep "^v$n  *failed .*interrupted" list &&
	expect_serving web "$URL" "$SERVING" "$CONTENT" &&
	deploy_ok
'

test_expect_success DOCKER 'a push killed while building (its hook holds the lock): the next push deploys' '
	echo "RUN sleep 30" >>web/Dockerfile &&
	echo slowpush >web/www/version.txt &&
	git -C web commit -q -am slowpush &&
	: >push.out &&
	{ push web & } &&
	pusher=$! &&
	test_wait_for 30 grep -q "sleep 30" push.out &&
	n=$(newest_release web) &&
	hook=$(test-tool release "$SOLUM_HOME" holder web) &&
	test -n "$hook" &&
	test "$(test-tool release "$SOLUM_HOME" holder web "$n")" = "$hook" &&
	kill_hard "$hook" &&
	{ wait $pusher; true; } &&
	solum releases web >list &&
	test_grep "^v$n  *failed .*interrupted" list &&
	expect_serving web "$URL" "$SERVING" "$CONTENT" &&
	git -C web revert --no-edit HEAD >/dev/null &&
	push web &&
	test_grep -v "Waiting for" push.out &&
	SERVING=$(sed -n "s/.* web v\([0-9]*\) is running at .*/\1/p" push.out) &&
	CONTENT=$(cat web/www/version.txt) &&
	expect_serving web "$URL" "$SERVING" "$CONTENT"
'

test_expect_success DOCKER 'killed while pushing' '
	kill_at pushing
'

test_expect_success DOCKER 'killed right after its container started' '
	kill_at starting
'

test_expect_success DOCKER 'killed after the health check passed' '
	kill_at health
'

test_expect_success DOCKER 'killed after the swap, before the old container stopped' '
	new_version swap &&
	deploy_paused web swap &&
	n=$(newest_release web) &&
	curl -fsS "${URL}version.txt" >got &&
	echo swap >expect &&
	test_cmp expect got &&
	kill_hard "$DEPLOY_PID" &&
	solum releases web >list &&
	test_grep "^v$n  *failed .*interrupted" list &&
	expect_serving web "$URL" "$SERVING" "$CONTENT" &&
	deploy_ok
'

# wait_queued OUT: a `solum deploy` in the background whose output goes to
# OUT, waiting behind release $na; its pid in QPID, its release in QN
wait_queued() {
	{ solum deploy web >"$1" 2>&1 & } &&
	QPID=$! &&
	test_bg_register $QPID &&
	test_wait_for 30 grep -q "Waiting for web v$na" "$1" &&
	QN=$(newest_release web) &&
	test "$(test-tool release "$SOLUM_HOME" holder web "$QN")" = "$QPID"
}

test_expect_success DOCKER 'killed while queued: an older waiting push still deploys' '
	new_version queued &&
	deploy_paused web building &&
	a=$DEPLOY_PID &&
	na=$(newest_release web) &&
	wait_queued b.out &&
	b=$QPID nb=$QN &&
	wait_queued c.out &&
	c=$QPID nc=$QN &&
	kill_hard $c &&
	solum releases web >list &&
	test_grep "^v$nc  *failed .*interrupted" list &&
	test_grep "^v$nb  *queued" list &&
	test_grep "^v$na  *building" list &&
	solum cancel web >out &&
	echo "cancelling web v$na" >expect &&
	test_cmp expect out &&
	{ wait $a; true; } &&
	wait $b &&
	cat b.out &&
	test_grep "web v$nb is running at" b.out &&
	solum releases web >list &&
	test_grep "^v$na  *cancelled" list &&
	test_grep "^v$nb  *succeeded" list &&
	SERVING=$nb CONTENT=queued &&
	expect_serving web "$URL" "$SERVING" "$CONTENT"
'

test_expect_success DOCKER 'a waiting release is cancelled by number; nothing is left running' '
	new_version waiting &&
	deploy_paused web building &&
	a=$DEPLOY_PID &&
	na=$(newest_release web) &&
	wait_queued b.out &&
	solum cancel web "$QN" >out &&
	echo "cancelling web v$QN" >expect &&
	test_cmp expect out &&
	{ wait $QPID; true; } &&
	test_grep "web v$QN cancelled: cancelled by request" b.out &&
	kill_hard $a &&
	test_must_fail solum cancel web 2>err &&
	test_grep "no deploy of .web. is running" err &&
	solum releases web >list &&
	test_grep "^v$QN  *cancelled" list &&
	test_grep "^v$na  *failed .*interrupted" list &&
	expect_serving web "$URL" "$SERVING" "$CONTENT" &&
	deploy_ok
'

test_expect_success DOCKER 'a detached deploy holds its release from the start; killed, it is reaped' '
	new_version async &&
	SOLUM_TEST_PAUSE=building solum deploy web --async >out &&
	n=$(sed -n "s/.* web v\([0-9]*\) queued.*/\1/p" out) &&
	test_wait_for 30 grep -q "paused at building" "$SOLUM_HOME/logs/web/v$n.log" &&
	pid=$(sed -n "s/.*paused at building (pid \([0-9]*\)).*/\1/p" "$SOLUM_HOME/logs/web/v$n.log") &&
	test "$(test-tool release "$SOLUM_HOME" holder web "$n")" = "$pid" &&
	test "$(test-tool release "$SOLUM_HOME" holder web)" = "$pid" &&
	kill_hard "$pid" &&
	solum releases web >list &&
	test_grep "^v$n  *failed .*interrupted" list &&
	expect_serving web "$URL" "$SERVING" "$CONTENT" &&
	deploy_ok
'

test_expect_success DOCKER 'app delete refuses while a deploy runs, then works' '
	new_version delete &&
	deploy_paused web building &&
	n=$(newest_release web) &&
	test_must_fail solum app delete web 2>err &&
	test_grep "app .web. is deploying v$n; cancel it first (solum cancel web)" err &&
	curl -fsS "${URL}version.txt" >got &&
	echo "$CONTENT" >expect &&
	test_cmp expect got &&
	kill_hard "$DEPLOY_PID" &&
	solum app delete web &&
	test-tool docker ps "$DOCKER_URL" solum.app=web >ps &&
	test_line_count = 0 ps &&
	test_path_is_missing "$SOLUM_HOME/nginx/apps/web.conf"
'

test_done
