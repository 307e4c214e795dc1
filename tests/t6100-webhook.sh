#!/bin/bash
test_description='solum webhook: GitLab push and merge request events deploy once, and nothing else does'
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-docker.sh"
. "$TEST_DIRECTORY/lib-deploy.sh"

test_docker_setup

UPSTREAM=$TRASH_DIRECTORY/upstream.git
UPURL=file://$UPSTREAM
TOKEN=tok-$$-$RANDOM$RANDOM-not-for-logs
OTHER_TOKEN=other-$$-$RANDOM$RANDOM
ZERO=0000000000000000000000000000000000000000

# webhook_start: run `solum webhook` on a free port (WEBHOOK_PID,
# WEBHOOK_PORT, WEBHOOK_URL); its log goes to webhook.log
webhook_start() {
	WEBHOOK_PORT=$(test_free_port) || return 1
	solum webhook --listen "127.0.0.1:$WEBHOOK_PORT" \
		>>"$TRASH_DIRECTORY/webhook.log" 2>&1 &
	WEBHOOK_PID=$!
	test_bg_register $WEBHOOK_PID
	WEBHOOK_URL=http://127.0.0.1:$WEBHOOK_PORT/hooks/gitlab
	test_wait_for 20 test_port_open "$WEBHOOK_PORT" || {
		cat "$TRASH_DIRECTORY/webhook.log" >&2
		return 1
	}
}

# payload FILE REV [BRANCH [PROJECT_URL]]: GitLab's documented payload
# tests/webhook/FILE, for this test's upstream, commit and branch
payload() {
	sed -e "s|http://example.com/mike/diaspora.git|${4:-$UPURL}|g" \
		-e "s|da1560886d4f094c3e6c9ef40349f7d38b5d27d7|$2|g" \
		-e "s|\"refs/heads/master\"|\"refs/heads/${3:-master}\"|" \
		-e "s|\"target_branch\": \"master\"|\"target_branch\": \"${3:-master}\"|" \
		"$TEST_DIRECTORY/webhook/$1"
}

# hook EVENT BODY [UUID]: POST BODY (a file) as GitLab does, with
# X-Gitlab-Token $TOKEN (none when TOKEN is "-"); the status goes to
# `code`, the answer to `answer`
hook() {
	local h=(-H "X-Gitlab-Event: $1" -H 'Content-Type: application/json')
	test "$TOKEN" = - || h+=(-H "X-Gitlab-Token: $TOKEN")
	test -z "$3" || h+=(-H "X-Gitlab-Event-UUID: $3")
	curl -sS -o answer -w '%{http_code}\n' -X POST "${h[@]}" \
		--data-binary "@$2" "$WEBHOOK_URL" >code
}

# expect CODE JSON: the last answer was CODE with the one line JSON
expect() {
	echo "$1" >expect.code &&
	test_cmp expect.code code &&
	printf '%s\n' "$2" >expect.answer &&
	test_cmp expect.answer answer
}

# nreleases APP: how many releases APP has
nreleases() { solum releases "$1" --json | grep -c '"number"' || :; }

# settle APP N: wait until release N of APP is final (its detached deploy
# ended); its log is in settle.log, its status in settle.status
settle() {
	solum logs "$1" "$2" --follow >settle.log 2>&1
	solum releases "$1" --json |
		awk -v n="$2" '/"number":/ { num = $2 + 0 }
			/"status":/ && num == n { gsub(/[",]/, "", $2); print $2 }' >settle.status &&
	grep -q "^\(succeeded\|failed\|superseded\|cancelled\|skipped\)$" settle.status
}

# deploy_pids APP: the pids of the `solum --home $SOLUM_HOME deploy APP
# --release N` processes running now
deploy_pids() {
	local d
	for d in /proc/[0-9]*; do
		tr "\0" " " <"$d/cmdline" 2>/dev/null |
			grep -qF -- "--home $SOLUM_HOME deploy $1 --release " &&
			echo "${d#/proc/}"
	done
	return 0
}

# commit MSG: a new commit of the app on the upstream's master; prints it
commit() {
	echo "$1" >web/www/version.txt &&
	git -C web commit -q -am "$1" &&
	git -C web push -q "$UPSTREAM" master &&
	git -C web rev-parse HEAD
}

test_expect_success DOCKER 'setup: an app with an upstream and a webhook secret' '
	solum_init &&
	deploy_config &&
	printf "webhook:\n  max_body: 64k\n  max_connections: 8\n" >>"$SOLUM_HOME/solum.yaml" &&
	test_atexit_run deploy_stop_front &&
	git init -q --bare "$UPSTREAM" &&
	make_app web one &&
	git -C web push -q "$UPSTREAM" master &&
	solum app create web --upstream "$UPURL" --health /version.txt &&
	printf "%s" "$TOKEN" | solum app set web --webhook-secret - &&
	webhook_start &&
	test_grep "listening on 127.0.0.1:" webhook.log
'

test_expect_success DOCKER 'wrong arguments, a bad address and a home others can read are refused in one line' '
	test_expect_code 129 solum webhook extra 2>err &&
	test_grep "^usage: solum webhook \[--listen ADDR:PORT\]" err &&
	solum webhook --help >out &&
	test_grep "POST /hooks/gitlab" out &&
	for a in nope 127.0.0.1: 127.0.0.1:99999 127.0.0.1:-1 "127.0.0.1:80 x"; do
		test_must_fail solum webhook --listen "$a" 2>err &&
		test_line_count = 1 err &&
		test_grep "^solum: invalid listen address" err || return 1
	done &&
	chmod 755 "$SOLUM_HOME" &&
	test_when_finished "chmod 700 \"$SOLUM_HOME\"" &&
	test_must_fail solum webhook --listen 127.0.0.1:0 2>err &&
	test_line_count = 1 err &&
	test_grep "is open to other users .*refusing to start" err
'

test_expect_success DOCKER 'a push event is answered 202 with its release, before the deploy' '
	rev=$(git -C web rev-parse HEAD) &&
	payload push.json "$rev" >push1.json &&
	hook "Push Hook" push1.json 0d5c3a4e-0000-4000-8000-000000000001 &&
	expect 202 "{\"release\":1,\"app\":\"web\"}" &&
	test_grep "127.0.0.1 POST /hooks/gitlab 202 app=web release=1 uuid=0d5c3a4e-0000-4000-8000-000000000001$" webhook.log &&
	solum releases web >list &&
	test_grep "^v1 .* ${rev:0:7} .* gitlab:jsmith" list &&
	solum releases web --json >json &&
	test_grep "\"commit\": \"$rev\"" json
'

test_expect_success DOCKER 'the release fetches the upstream and the app answers' '
	settle web 1 &&
	echo succeeded >expect &&
	test_cmp expect settle.status &&
	url=$(solum app show web | sed -n "s/^url: *//p") &&
	curl -fsS "${url}version.txt" >got &&
	echo one >expect &&
	test_cmp expect got &&
	test "$(git --git-dir="$SOLUM_HOME/repos/web.git" rev-parse master)" = "$rev"
'

test_expect_success DOCKER 'the merge request event of the same merge is a duplicate' '
	rev=$(git -C web rev-parse HEAD) &&
	payload merge.json "$rev" >merge1.json &&
	hook "Merge Request Hook" merge1.json 0d5c3a4e-0000-4000-8000-000000000002 &&
	expect 200 "{\"duplicate\":true,\"release\":1,\"app\":\"web\"}" &&
	test "$(nreleases web)" = 1 &&
	test_grep "POST /hooks/gitlab 200 app=web release=1 (duplicate) uuid=0d5c3a4e-0000-4000-8000-000000000002$" webhook.log
'

test_expect_success DOCKER 'a replayed uuid is a duplicate, also for another commit' '
	hook "Push Hook" push1.json 0d5c3a4e-0000-4000-8000-000000000001 &&
	expect 200 "{\"duplicate\":true,\"release\":1,\"app\":\"web\"}" &&
	payload push.json 1111111111111111111111111111111111111111 >push-other.json &&
	hook "Push Hook" push-other.json 0d5c3a4e-0000-4000-8000-000000000001 &&
	expect 200 "{\"duplicate\":true,\"release\":1,\"app\":\"web\"}" &&
	test "$(nreleases web)" = 1
'

test_expect_success DOCKER 'events are remembered across a kill -9 and restart of the receiver' '
	kill -9 $WEBHOOK_PID &&
	{ wait $WEBHOOK_PID 2>/dev/null || :; } &&
	webhook_start &&
	hook "Push Hook" push1.json 0d5c3a4e-0000-4000-8000-000000000001 &&
	expect 200 "{\"duplicate\":true,\"release\":1,\"app\":\"web\"}" &&
	hook "Merge Request Hook" merge1.json &&
	expect 200 "{\"duplicate\":true,\"release\":1,\"app\":\"web\"}" &&
	test "$(nreleases web)" = 1
'

test_expect_success DOCKER 'a merge request event that comes first deploys; the push is then a duplicate' '
	rev=$(commit two) &&
	payload merge.json "$rev" >merge2.json &&
	hook "Merge Request Hook" merge2.json &&
	expect 202 "{\"release\":2,\"app\":\"web\"}" &&
	solum releases web >list &&
	test_grep "^v2 .* ${rev:0:7} .* gitlab:root" list &&
	payload push.json "$rev" >push2.json &&
	hook "Push Hook" push2.json &&
	expect 200 "{\"duplicate\":true,\"release\":2,\"app\":\"web\"}" &&
	settle web 2 &&
	test "$(nreleases web)" = 2
'

test_expect_success DOCKER 'the merged commit is what runs' '
	url=$(solum app show web | sed -n "s/^url: *//p") &&
	curl -fsS "${url}version.txt" >got &&
	echo two >expect &&
	test_cmp expect got
'

test_expect_success DOCKER 'both events of one merge at the same moment deploy it once' '
	rev=$(commit three) &&
	payload push.json "$rev" >push3.json &&
	payload merge.json "$rev" >merge3.json &&
	h=(-H "X-Gitlab-Token: $TOKEN" -H "Content-Type: application/json") &&
	{ curl -sS -o a1 -w "%{http_code}\n" "${h[@]}" -H "X-Gitlab-Event: Push Hook" \
		--data-binary @push3.json "$WEBHOOK_URL" >c1 & } &&
	p1=$! &&
	{ curl -sS -o a2 -w "%{http_code}\n" "${h[@]}" -H "X-Gitlab-Event: Merge Request Hook" \
		--data-binary @merge3.json "$WEBHOOK_URL" >c2 & } &&
	p2=$! &&
	wait $p1 &&
	wait $p2 &&
	cat c1 c2 | sort >codes &&
	printf "200\n202\n" >expect &&
	test_cmp expect codes &&
	cat a1 a2 | sort >answers &&
	printf "%s\n" "{\"duplicate\":true,\"release\":3,\"app\":\"web\"}" \
		"{\"release\":3,\"app\":\"web\"}" >expect &&
	test_cmp expect answers &&
	settle web 3 &&
	test "$(nreleases web)" = 3
'

test_expect_success DOCKER 'a wrong or missing token is 401 and deploys nothing' '
	payload push.json 2222222222222222222222222222222222222222 >push-new.json &&
	TOKEN=wrong-token hook "Push Hook" push-new.json &&
	expect 401 "{\"error\":\"wrong or missing X-Gitlab-Token\"}" &&
	TOKEN=- hook "Push Hook" push-new.json &&
	expect 401 "{\"error\":\"wrong or missing X-Gitlab-Token\"}" &&
	TOKEN= hook "Push Hook" push-new.json &&
	expect 401 "{\"error\":\"wrong or missing X-Gitlab-Token\"}" &&
	TOKEN="$TOKEN$TOKEN" hook "Push Hook" push-new.json &&
	expect 401 "{\"error\":\"wrong or missing X-Gitlab-Token\"}" &&
	TOKEN=${TOKEN%?} hook "Push Hook" push-new.json &&
	expect 401 "{\"error\":\"wrong or missing X-Gitlab-Token\"}" &&
	test "$(nreleases web)" = 3
'

test_expect_success DOCKER 'the token is checked before anything about branches is told' '
	payload push.json 2222222222222222222222222222222222222222 feature >push-feature.json &&
	TOKEN=wrong-token hook "Push Hook" push-feature.json &&
	expect 401 "{\"error\":\"wrong or missing X-Gitlab-Token\"}" &&
	payload push.json "$ZERO" >push-deleted.json &&
	TOKEN=wrong-token hook "Push Hook" push-deleted.json &&
	expect 401 "{\"error\":\"wrong or missing X-Gitlab-Token\"}"
'

test_expect_success DOCKER 'a branch no app maps, a deleted branch and a merge request not merged are ignored' '
	hook "Push Hook" push-feature.json &&
	expect 200 "{\"ignored\":\"no app of this project deploys branch '"'"'feature'"'"'\"}" &&
	hook "Push Hook" push-deleted.json &&
	expect 200 "{\"ignored\":\"branch '"'"'master'"'"' was deleted\"}" &&
	sed "s/\"action\": \"merge\"/\"action\": \"open\"/" merge3.json >merge-open.json &&
	hook "Merge Request Hook" merge-open.json &&
	expect 200 "{\"ignored\":\"merge request action '"'"'open'"'"' deploys nothing\"}" &&
	grep -v merge_commit_sha merge-open.json |
		sed "s/\"action\": \"open\"/\"action\": \"merge\"/" >merge-ff.json &&
	hook "Merge Request Hook" merge-ff.json &&
	expect 200 "{\"ignored\":\"merged without a merge commit: the push event to '"'"'master'"'"' deploys it\"}" &&
	hook "Tag Push Hook" push-new.json &&
	expect 200 "{\"ignored\":\"'"'"'Tag Push Hook'"'"' events deploy nothing\"}" &&
	printf "{\"object_kind\": \"user_create\", \"name\": \"x\"}" >system.json &&
	hook "System Hook" system.json &&
	expect 200 "{\"ignored\":\"'"'"'System Hook'"'"' events deploy nothing\"}" &&
	test "$(nreleases web)" = 3
'

test_expect_success DOCKER 'a project no app deploys is 404, told to holders of a token only' '
	payload push.json 2222222222222222222222222222222222222222 master \
		https://gitlab.example.com/other/project.git >push-unknown.json &&
	hook "Push Hook" push-unknown.json &&
	expect 404 "{\"error\":\"no app deploys this project\"}" &&
	TOKEN=wrong-token hook "Push Hook" push-unknown.json &&
	expect 401 "{\"error\":\"wrong or missing X-Gitlab-Token\"}" &&
	printf "{\"object_kind\": " >broken.json &&
	TOKEN=wrong-token hook "Push Hook" broken.json &&
	expect 401 "{\"error\":\"wrong or missing X-Gitlab-Token\"}"
'

test_expect_success DOCKER 'an app without a secret never takes an event; a secret set or changed counts at once' '
	solum app create nosecret --upstream "file://$TRASH_DIRECTORY/other.git" &&
	payload push.json 2222222222222222222222222222222222222222 master \
		"file://$TRASH_DIRECTORY/other.git" >push-nosecret.json &&
	for t in - "" "$TOKEN" anything; do
		TOKEN=$t hook "Push Hook" push-nosecret.json &&
		expect 401 "{\"error\":\"wrong or missing X-Gitlab-Token\"}" || return 1
	done &&
	test "$(nreleases nosecret)" = 0 &&
	printf "%s" "$TOKEN" | solum app set web --webhook-secret "" &&
	hook "Push Hook" push-new.json &&
	expect 401 "{\"error\":\"wrong or missing X-Gitlab-Token\"}" &&
	printf "%s" "$OTHER_TOKEN" | solum app set web --webhook-secret - &&
	hook "Push Hook" push-feature.json &&
	expect 401 "{\"error\":\"wrong or missing X-Gitlab-Token\"}" &&
	TOKEN=$OTHER_TOKEN hook "Push Hook" push-feature.json &&
	expect 200 "{\"ignored\":\"no app of this project deploys branch '"'"'feature'"'"'\"}" &&
	printf "%s" "$TOKEN" | solum app set web --webhook-secret - &&
	hook "Push Hook" push-feature.json &&
	expect 200 "{\"ignored\":\"no app of this project deploys branch '"'"'feature'"'"'\"}" &&
	test "$(nreleases web)" = 3
'

test_expect_success DOCKER 'apps of one project: each whose secret is the token and branch the event takes it' '
	solum app create stage-a --upstream "$UPURL" --branch stable --health /version.txt &&
	solum app create stage-b --upstream "$UPURL" --branch stable --health /version.txt &&
	solum app create stage-c --upstream "$UPURL" --branch stable --health /version.txt &&
	printf "%s" "$TOKEN" | solum app set stage-a --webhook-secret - &&
	printf "%s" "$TOKEN" | solum app set stage-b --webhook-secret - &&
	printf "%s" "$OTHER_TOKEN" | solum app set stage-c --webhook-secret - &&
	git -C web push -q "$UPSTREAM" master:stable &&
	rev=$(git -C web rev-parse HEAD) &&
	payload push.json "$rev" stable >push-stable.json &&
	hook "Push Hook" push-stable.json &&
	expect 202 "{\"release\":1,\"app\":\"stage-a\",\"releases\":[{\"app\":\"stage-a\",\"release\":1},{\"app\":\"stage-b\",\"release\":1}]}" &&
	test_grep "202 app=stage-a release=1 app=stage-b release=1$" webhook.log &&
	hook "Push Hook" push-stable.json &&
	expect 200 "{\"duplicate\":true,\"release\":1,\"app\":\"stage-a\",\"releases\":[{\"app\":\"stage-a\",\"release\":1,\"duplicate\":true},{\"app\":\"stage-b\",\"release\":1,\"duplicate\":true}]}" &&
	TOKEN=$OTHER_TOKEN hook "Push Hook" push-stable.json &&
	expect 202 "{\"release\":1,\"app\":\"stage-c\"}" &&
	for app in stage-a stage-b stage-c; do
		settle $app 1 &&
		solum releases $app >list &&
		test_grep "^v1  *succeeded  *${rev:0:7} " list || return 1
	done &&
	test "$(nreleases stage-a)" = 1 &&
	test "$(nreleases stage-b)" = 1 &&
	test "$(nreleases stage-c)" = 1 &&
	test "$(nreleases web)" = 3
'

test_expect_success DOCKER 'malformed bodies, wrong types and bad revisions are 400 and deploy nothing' '
	printf "{\"object_kind\": \"push\", " >bad.json &&
	hook "Push Hook" bad.json &&
	test "$(cat code)" = 400 &&
	test_grep "^{\"error\":\"invalid Push Hook: the body is not JSON: " answer &&
	sed "s/\"after\": \"2222222222222222222222222222222222222222\"/\"after\": 2/" \
		push-new.json >bad.json &&
	hook "Push Hook" bad.json &&
	expect 400 "{\"error\":\"invalid Push Hook: after is not a string\"}" &&
	sed "s/\"after\": \"2222222222222222222222222222222222222222\"/\"after\": \"HEAD~1\"/" \
		push-new.json >bad.json &&
	hook "Push Hook" bad.json &&
	expect 400 "{\"error\":\"invalid Push Hook: after '"'"'HEAD~1'"'"' is not 40 lowercase hex digits\"}" &&
	sed "s/\"after\": \"2222222222222222222222222222222222222222\"/\"after\": \"222222222222222222222222222222222222222;\"/" \
		push-new.json >bad.json &&
	hook "Push Hook" bad.json &&
	expect 400 "{\"error\":\"invalid Push Hook: after '"'"'222222222222222222222222222222222222222;'"'"' is not 40 lowercase hex digits\"}" &&
	sed "s|\"refs/heads/master\"|\"refs/heads/a..b\"|" push-new.json >bad.json &&
	hook "Push Hook" bad.json &&
	expect 400 "{\"error\":\"invalid Push Hook: branch '"'"'a..b'"'"' is not a valid branch name\"}" &&
	sed "s|\"project\": {|\"project\": [], \"x\": {|" push-new.json >bad.json &&
	hook "Push Hook" bad.json &&
	expect 400 "{\"error\":\"invalid Push Hook: project is not an object\"}" &&
	sed "s/\"merge_commit_sha\": \"[0-9a-f]*\"/\"merge_commit_sha\": \"XYZ\"/" merge3.json >bad.json &&
	hook "Merge Request Hook" bad.json &&
	expect 400 "{\"error\":\"invalid Merge Request Hook: object_attributes.merge_commit_sha '"'"'XYZ'"'"' is not 40 lowercase hex digits\"}" &&
	sed "1s/{/{\"object_kind\": \"push\",/" push-new.json >bad.json &&
	hook "Push Hook" bad.json &&
	test "$(cat code)" = 400 &&
	test_grep "duplicate object key" answer &&
	hook "Merge Request Hook" push-new.json &&
	expect 400 "{\"error\":\"invalid Merge Request Hook: object_kind is '"'"'push'"'"', not '"'"'merge_request'"'"'\"}" &&
	hook "Comment Hook" push-new.json &&
	expect 400 "{\"error\":\"unknown X-Gitlab-Event '"'"'Comment Hook'"'"'\"}" &&
	curl -sS -o answer -w "%{http_code}\n" -H "X-Gitlab-Token: $TOKEN" \
		--data-binary @push-new.json "$WEBHOOK_URL" >code &&
	expect 400 "{\"error\":\"no X-Gitlab-Event header\"}" &&
	hook "Push Hook" push-new.json "bad uuid;" &&
	expect 400 "{\"error\":\"invalid X-Gitlab-Event-UUID\"}" &&
	test "$(nreleases web)" = 3
'

test_expect_success DOCKER 'other methods are 405 with Allow: POST; other paths 404' '
	for m in GET PUT DELETE HEAD; do
		if test $m = HEAD; then o=-I; else o="-X $m"; fi &&
		curl -sS -o answer -D headers -w "%{http_code}\n" $o \
			"$WEBHOOK_URL" >code &&
		test "$(cat code)" = 405 &&
		test_grep -i "^Allow: POST" headers &&
		test_grep -i "^Content-Type: application/json" headers || return 1
	done &&
	curl -sS -o answer -w "%{http_code}\n" "$WEBHOOK_URL" >code &&
	expect 405 "{\"error\":\"method not allowed: use POST\"}" &&
	for p in / /hooks /hooks/gitlab/ /hooks/github /hooks/gitlab/x; do
		curl -sS -o answer -w "%{http_code}\n" -X POST \
			-H "X-Gitlab-Event: Push Hook" -H "X-Gitlab-Token: $TOKEN" \
			--data-binary @push-new.json "${WEBHOOK_URL%/hooks/gitlab}$p" >code &&
		expect 404 "{\"error\":\"not found\"}" || return 1
	done &&
	test "$(nreleases web)" = 3
'

test_expect_success DOCKER 'a body past webhook.max_body is 413, and the receiver goes on' '
	payload push.json 2222222222222222222222222222222222222222 feature >fit.json &&
	size=$(wc -c <fit.json) &&
	head -c $((65536 - size)) /dev/zero | tr "\0" " " >>fit.json &&
	test "$(wc -c <fit.json)" = 65536 &&
	hook "Push Hook" fit.json &&
	expect 200 "{\"ignored\":\"no app of this project deploys branch '"'"'feature'"'"'\"}" &&
	cp fit.json big.json &&
	echo >>big.json &&
	hook "Push Hook" big.json &&
	expect 413 "{\"error\":\"the body is larger than 65536 bytes\"}" &&
	curl -sS -o answer -w "%{http_code}\n" -H "Transfer-Encoding: chunked" \
		-H "X-Gitlab-Event: Push Hook" -H "X-Gitlab-Token: $TOKEN" \
		--data-binary @big.json "$WEBHOOK_URL" >code &&
	expect 413 "{\"error\":\"the body is larger than 65536 bytes\"}" &&
	curl -sS -o answer -w "%{http_code}\n" -H "Transfer-Encoding: chunked" \
		-H "X-Gitlab-Event: Push Hook" -H "X-Gitlab-Token: $TOKEN" \
		--data-binary @fit.json "$WEBHOOK_URL" >code &&
	expect 200 "{\"ignored\":\"no app of this project deploys branch '"'"'feature'"'"'\"}" &&
	head -c 3000000 /dev/zero >huge &&
	test_must_fail curl -sS -o answer -H "Transfer-Encoding: chunked" \
		-H "X-Gitlab-Event: Push Hook" --data-binary @huge "$WEBHOOK_URL" &&
	test_grep "POST /hooks/gitlab closed: the body went on far past webhook.max_body" webhook.log &&
	curl -sS -o answer -w "%{http_code}\n" -H "X-Big: $(head -c 40000 /dev/zero | tr "\0" x)" \
		-X POST "$WEBHOOK_URL" >code &&
	test "$(cat code)" = 431 &&
	hook "Push Hook" push-feature.json &&
	expect 200 "{\"ignored\":\"no app of this project deploys branch '"'"'feature'"'"'\"}" &&
	TOKEN=wrong hook "Push Hook" push-new.json &&
	expect 401 "{\"error\":\"wrong or missing X-Gitlab-Token\"}" &&
	test "$(nreleases web)" = 3
'

test_expect_success DOCKER 'with webhook.max_connections deploys of its own running (holding none of its sockets), an event is 503 and taken when retried later' '
	n=$(nreleases web) &&
	exec 9>"$SOLUM_HOME/run/web.lock" &&
	flock -n 9 &&
	for i in 1 2 3 4 5 6 7 8; do
		payload push.json "$(printf "%040d" $i)" >push-wait.json &&
		hook "Push Hook" push-wait.json &&
		expect 202 "{\"release\":$((n + i)),\"app\":\"web\"}" || return 1
	done &&
	payload push.json "$(printf "%040d" 9)" >push-more.json &&
	hook "Push Hook" push-more.json &&
	expect 503 "{\"error\":\"cannot queue a release of '"'"'web'"'"' now; try again\"}" &&
	test_grep "8 deploys this receiver started are still running" webhook.log &&
	test "$(nreleases web)" = $((n + 8)) &&
	deploy_pids web >pids &&
	test_line_count = 8 pids &&
	for pid in $(cat pids); do
		ls -l /proc/$pid/fd >fds &&
		test_grep -v "socket:" fds || return 1
	done &&
	exec 9>&- &&
	test_wait_for 120 eval "hook \"Push Hook\" push-more.json && test \"\$(cat code)\" = 202" &&
	expect 202 "{\"release\":$((n + 9)),\"app\":\"web\"}" &&
	for i in 1 2 3 4 5 6 7 8 9; do
		settle web $((n + i)) || return 1
	done
'

test_expect_success DOCKER 'the token never reaches the log, the app, the releases or their logs' '
	test_grep "POST /hooks/gitlab 401" webhook.log &&
	test_grep -v -F "$TOKEN" webhook.log &&
	solum app show web >show &&
	solum app show web --json >>show &&
	solum app list --json >>show &&
	test_grep "secret set (never shown)" show &&
	test_grep -v -F "$TOKEN" show &&
	for app in web stage-a stage-b stage-c; do
		solum releases $app --json >rel &&
		test_grep -v -F "$TOKEN" rel &&
		solum logs $app 1 >log &&
		test_grep -v -F "$TOKEN" log || return 1
	done &&
	test_path_is_dir "$SOLUM_HOME/logs/web" &&
	test_must_fail grep -r -F "$TOKEN" "$SOLUM_HOME/logs" "$SOLUM_HOME/run"
'

test_expect_success DOCKER 'an event a dead receiver took but never queued is taken again after 5 minutes' '
	rev=$(commit stale) &&
	payload push.json "$rev" >push-stale.json &&
	n=$(nreleases web) &&
	now=$(date +%s) &&
	sqlite3 "$SOLUM_HOME/solum.db" "INSERT INTO webhook_events (app, uuid, newrev, release, received) VALUES ('"'"'web'"'"', NULL, '"'"'$rev'"'"', 0, $now)" &&
	hook "Push Hook" push-stale.json &&
	expect 200 "{\"duplicate\":true,\"release\":0,\"app\":\"web\"}" &&
	test "$(nreleases web)" = "$n" &&
	sqlite3 "$SOLUM_HOME/solum.db" "UPDATE webhook_events SET received = $((now - 301)) WHERE newrev = '"'"'$rev'"'"'" &&
	hook "Push Hook" push-stale.json &&
	expect 202 "{\"release\":$((n + 1)),\"app\":\"web\"}" &&
	settle web $((n + 1)) &&
	hook "Push Hook" push-stale.json &&
	expect 200 "{\"duplicate\":true,\"release\":$((n + 1)),\"app\":\"web\"}"
'

test_expect_success DOCKER 'an upstream reached over solum'"'"'s own SSH front: the event deploys it' '
	upstream_solum "$TRASH_DIRECTORY/home2" "$TRASH_DIRECTORY/web" &&
	port2=$(cat upstream.port) &&
	echo "[127.0.0.1]:$port2 $(cut -d" " -f1,2 "$TRASH_DIRECTORY/home2/ssh/host_ed25519_key.pub")" \
		>"$SOLUM_HOME/ssh/known_hosts" &&
	sshurl="ssh://solum@127.0.0.1:$port2/up.git" &&
	solum app create viassh --upstream "$sshurl" --health /version.txt >/dev/null &&
	printf "%s\n" "$TOKEN" | solum app set viassh --webhook-secret - >/dev/null &&
	rev=$(git -C web rev-parse HEAD) &&
	payload push.json "$rev" master "$sshurl" >push-ssh.json &&
	hook "Push Hook" push-ssh.json &&
	expect 202 "{\"release\":1,\"app\":\"viassh\"}" &&
	settle viassh 1 &&
	test "$(cat settle.status)" = succeeded &&
	test_grep "Fetching ${rev:0:7} from ssh://solum@127.0.0.1:$port2/up.git" settle.log
'

test_expect_success DOCKER 'SIGTERM: no new connection, the open request is answered, then a clean exit' '
	len=$(wc -c <push-feature.json) &&
	exec 3<>"/dev/tcp/127.0.0.1/$WEBHOOK_PORT" &&
	printf "POST /hooks/gitlab HTTP/1.1\r\nHost: x\r\nX-Gitlab-Event: Push Hook\r\nX-Gitlab-Token: %s\r\nContent-Length: %s\r\nExpect: 100-continue\r\n\r\n" \
		"$TOKEN" "$len" >&3 &&
	read -r -t 10 -u 3 line &&
	test "$line" = "$(printf "HTTP/1.1 100 Continue\r")" &&
	kill -TERM $WEBHOOK_PID &&
	test_wait_for 10 eval "! test_port_open $WEBHOOK_PORT" &&
	kill -0 $WEBHOOK_PID &&
	cat push-feature.json >&3 &&
	timeout 10 cat <&3 | tr -d "\r" >response &&
	exec 3<&- &&
	test_grep "^HTTP/1.1 200 OK$" response &&
	test_grep "^{\"ignored\":\"no app of this project deploys branch '"'"'feature'"'"'\"}$" response &&
	wait $WEBHOOK_PID &&
	test_grep "stopped$" webhook.log &&
	test_grep -v "Sanitizer\|runtime error" webhook.log
'

test_done
