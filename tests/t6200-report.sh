#!/bin/bash
test_description='deploys are reported to GitLab (commit statuses) and Gerrit (review comments)'
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-docker.sh"
. "$TEST_DIRECTORY/lib-deploy.sh"

test_docker_setup

# GitLab cannot run here: tests/gitlab-api.pl stands in for its commit
# status API. Gerrit cannot either: OpenSSH's sshd stands in for its SSH
# daemon, a forced command recording what `gerrit review` would get.
SSHD_BIN=/usr/sbin/sshd
if test -x "$SSHD_BIN"; then
	test_set_prereq SSHD
else
	say_diag "$SSHD_BIN is missing (apt-get install openssh-server): Gerrit tests skip"
fi

TOKEN=glpat-t6200-$$-$RANDOM$RANDOM
GITLAB_LOG=$TRASH_DIRECTORY/gitlab.log
GITLAB_MODE=$TRASH_DIRECTORY/gitlab.mode
GERRIT_LOG=$TRASH_DIRECTORY/gerrit.log
GERRIT_MODE=$TRASH_DIRECTORY/gerrit.mode
GERRIT_DIR=$TRASH_DIRECTORY/gerrit

gitlab_start() {
	rm -f gitlab.port || return 1
	perl "$TEST_DIRECTORY/gitlab-api.pl" gitlab.port "$GITLAB_LOG" \
		"$GITLAB_MODE" 900 >>gitlab.err 2>&1 &
	test_bg_register $!
	test_wait_for 10 test -s gitlab.port &&
	GITLAB_PORT=$(cat gitlab.port) &&
	GITLAB_URL=http://127.0.0.1:$GITLAB_PORT/api/v4
}

# report_to SPEC: report web's deploys there, with the token (for GitLab)
report_to() {
	solum app set web --report "$1" >/dev/null &&
	case $1 in
	gitlab:*) printf "%s\n" "$TOKEN" | solum app set web --report-token - ;;
	*) solum app set web --report-token "" ;;
	esac >/dev/null
}

# gitlab_line FIELDS...: one log line of the stand-in, as it writes it
gitlab_line() {
	local IFS='	'
	printf "%s\n" "$*"
}

# the path of the statuses of commit $1
status_path() { echo "POST /api/v4/projects/42/statuses/$1"; }

# no_token FILE...: the token is in none of them
no_token() {
	local f
	for f; do
		test_grep -v "$TOKEN" "$f" || return 1
	done
}

# token_nowhere: in no output, log or file of solum's but the database
token_nowhere() {
	no_token push.out &&
	n=$(newest_release web) &&
	solum logs web "$n" >log &&
	solum app show web >show &&
	solum app show web --json >show.json &&
	solum releases web --json >releases.json &&
	no_token log show show.json releases.json &&
	{ grep -rl -- "$TOKEN" "$SOLUM_HOME" || true; } >where &&
	{ grep -v -e "^$SOLUM_HOME/solum\.db$" -e "^$SOLUM_HOME/solum\.db-wal$" \
		where || true; } >others &&
	test_line_count = 0 others
}

new_commit() {
	echo "$1" >web/www/version.txt &&
	git -C web commit -q -am "$1"
}

test_expect_success DOCKER 'setup: solum, an app, the GitLab stand-in' '
	deploy_setup &&
	solum app create web --health /version.txt &&
	gitlab_start &&
	report_to "gitlab:$GITLAB_URL/projects/42" &&
	solum app show web >show &&
	test_grep "^report: *gitlab:$GITLAB_URL/projects/42 (token set; never shown)$" show
'

test_expect_success DOCKER 'a good push: GitLab gets pending, then success with the URL' '
	: >"$GITLAB_LOG" &&
	make_app web one &&
	push web &&
	sha=$(git -C web rev-parse HEAD) &&
	url=$(app_url) &&
	test -n "$url" &&
	echo "$url" >url &&
	{
		gitlab_line "$(status_path $sha)" "token=$TOKEN" \
			type=application/json state=pending name=solum/web \
			target_url= "description=v1 deploying" &&
		gitlab_line "$(status_path $sha)" "token=$TOKEN" \
			type=application/json state=success name=solum/web \
			"target_url=$url" "description=v1 is running"
	} >expect &&
	test_cmp expect "$GITLAB_LOG" &&
	test_grep -v "warning: could not report" push.out &&
	token_nowhere
'

test_expect_success DOCKER 'a failing build: pending, then failed with the reason' '
	: >"$GITLAB_LOG" &&
	echo "RUN echo about to fail && exit 3" >>web/Dockerfile &&
	git -C web commit -q -am broken &&
	push web &&
	test_grep "web v2 failed: build:" push.out &&
	sha=$(git -C web rev-parse HEAD) &&
	url=$(cat url) &&
	test_line_count = 2 "$GITLAB_LOG" &&
	gitlab_line "$(status_path $sha)" "token=$TOKEN" \
		type=application/json state=pending name=solum/web \
		"target_url=$url" "description=v2 deploying" >expect &&
	head -n1 "$GITLAB_LOG" >first &&
	test_cmp expect first &&
	tail -n1 "$GITLAB_LOG" >last &&
	test_grep "^$(status_path $sha)	token=$TOKEN	type=application/json	state=failed	name=solum/web	target_url=$url	description=v2 failed: build: The command .* returned a non-zero code: 3$" last &&
	git -C web revert --no-edit HEAD >/dev/null &&
	push web
'

test_expect_success DOCKER 'solum deploy and rollback report too' '
	: >"$GITLAB_LOG" &&
	solum deploy web >out &&
	n=$(newest_release web) &&
	test_grep "web v$n is running" out &&
	solum rollback web 1 >out &&
	test_grep "web v$((n + 1)) is running" out &&
	cut -f4,7 "$GITLAB_LOG" >got &&
	printf "%s\n" "state=pending	description=v$n deploying" \
		"state=success	description=v$n is running" \
		"state=pending	description=v$((n + 1)) deploying" \
		"state=success	description=v$((n + 1)) is running" >expect &&
	test_cmp expect got &&
	sha1=$(solum releases web --json | sed -n "s/.*\"commit\": \"\([0-9a-f]*\)\".*/\1/p" | tail -n1) &&
	tail -n1 "$GITLAB_LOG" | cut -f1 >got &&
	status_path "$sha1" >expect &&
	test_cmp expect got
'

test_expect_success DOCKER 'a cancelled deploy and one superseded while it waited: canceled' '
	: >"$GITLAB_LOG" &&
	deploy_paused web building &&
	a=$DEPLOY_PID &&
	na=$(newest_release web) &&
	{ solum deploy web >b.out 2>&1 & } &&
	b=$! &&
	test_wait_for 30 grep -q "Waiting for web v$na" b.out &&
	nb=$(newest_release web) &&
	{ solum deploy web >c.out 2>&1 & } &&
	c=$! &&
	test_wait_for 30 grep -q "Waiting for web v$na" c.out &&
	nc=$(newest_release web) &&
	test $nc -gt $nb &&
	solum cancel web >/dev/null &&
	{ wait $a; true; } &&
	wait $b &&
	wait $c &&
	test_grep "superseded by v$nc" b.out &&
	cut -f4,7 "$GITLAB_LOG" | sort >got &&
	printf "%s\n" "state=pending	description=v$na deploying" \
		"state=canceled	description=v$na cancelled" \
		"state=pending	description=v$nb deploying" \
		"state=canceled	description=v$nb superseded by a newer push" \
		"state=pending	description=v$nc deploying" \
		"state=success	description=v$nc is running" | sort >expect &&
	test_cmp expect got
'

# gitlab_fails MODE WHY: with the stand-in in MODE, a push deploys and
# shows one warning per state, WHY (a pattern) as the reason
gitlab_fails() {
	echo "$1" >"$GITLAB_MODE" &&
	test_when_finished "rm -f \"$GITLAB_MODE\"" &&
	new_commit "$1" &&
	push web &&
	test_grep "web v[0-9]* is running at" push.out &&
	grep "warning: could not report" push.out >warnings &&
	test_line_count = 2 warnings &&
	test_grep "^remote:        warning: could not report to GitLab (pending): $2 *$" warnings &&
	test_grep "^remote:        warning: could not report to GitLab (success): $2 *$" warnings &&
	token_nowhere
}

test_expect_success DOCKER 'GitLab answers 401: the deploy goes on, one warning a state' '
	gitlab_fails "status 401" "GitLab answered HTTP 401: 401 Unauthorized"
'

test_expect_success DOCKER 'GitLab answers 500: the same' '
	gitlab_fails "status 500" "GitLab answered HTTP 500: 500 Internal Server Error"
'

test_expect_success DOCKER 'an answer that quotes the token: it is masked' '
	gitlab_fails "leak 401" "GitLab answered HTTP 401: token \*\*\*\*\*\* is not valid" &&
	grep -c "token=$TOKEN" "$GITLAB_LOG" >n &&
	test "$(cat n)" -ge 2
'

test_expect_success DOCKER 'GitLab hangs: each report gives up after its timeout' '
	gitlab_fails "hang 30" "POST /statuses/[0-9a-f]*: timed out talking to $GITLAB_URL/projects/42 after 10 s"
'

test_expect_success DOCKER 'GitLab is down: the same' '
	port=$(test_free_port) &&
	report_to "gitlab:http://127.0.0.1:$port/api/v4/projects/42" &&
	gitlab_fails ok "POST /statuses/[0-9a-f]*: cannot connect to http://127.0.0.1:$port/api/v4/projects/42: Connection refused"
'

test_expect_success DOCKER 'an app without --report reports nothing' '
	report_to "gitlab:$GITLAB_URL/projects/42" &&
	solum app set web --report "" --report-token "" >/dev/null &&
	: >"$GITLAB_LOG" &&
	new_commit quiet &&
	push web &&
	test_grep "web v[0-9]* is running" push.out &&
	test_line_count = 0 "$GITLAB_LOG"
'

# ---- Gerrit ----

gerrit_start() {
	mkdir -p "$GERRIT_DIR" /run/sshd &&
	ssh-keygen -q -t ed25519 -N "" -C gerrit-host -f "$GERRIT_DIR/host_key" &&
	cat >"$GERRIT_DIR/command" <<-EOF &&
	#!/bin/sh
	# what gerrit would run: recorded, and as \$GERRIT_MODE says
	printf "%s\n" "\$SSH_ORIGINAL_COMMAND" >>"$GERRIT_LOG"
	case \$(cat "$GERRIT_MODE" 2>/dev/null) in
	fail)	echo "fatal: \"\${SSH_ORIGINAL_COMMAND##* }\" no such change" >&2
		echo "second line" >&2
		exit 1 ;;
	hang)	exec sleep 14 ;;
	esac
	echo "ok"
	EOF
	chmod +x "$GERRIT_DIR/command" &&
	printf "command=\"%s\",restrict %s\n" "$GERRIT_DIR/command" \
		"$(cat "$SOLUM_HOME/ssh/id_ed25519.pub")" >"$GERRIT_DIR/authorized_keys" &&
	GERRIT_PORT=$(test_free_port) &&
	cat >"$GERRIT_DIR/sshd_config" <<-EOF &&
	Port $GERRIT_PORT
	ListenAddress 127.0.0.1
	HostKey $GERRIT_DIR/host_key
	PidFile $GERRIT_DIR/sshd.pid
	AuthorizedKeysFile $GERRIT_DIR/authorized_keys
	UsePAM no
	PermitRootLogin forced-commands-only
	PubkeyAuthentication yes
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	StrictModes no
	UseDNS no
	PrintMotd no
	LogLevel VERBOSE
	EOF
	"$SSHD_BIN" -t -f "$GERRIT_DIR/sshd_config" &&
	{ "$SSHD_BIN" -D -e -f "$GERRIT_DIR/sshd_config" 2>"$GERRIT_DIR/sshd.log" & } &&
	test_bg_register $! &&
	test_wait_for 10 test_port_open "$GERRIT_PORT" &&
	GERRIT_USER=$(id -un) &&
	HOSTLINE="[127.0.0.1]:$GERRIT_PORT $(cut -d" " -f1,2 "$GERRIT_DIR/host_key.pub")" &&
	echo "$HOSTLINE" >"$SOLUM_HOME/ssh/known_hosts"
}

# gerrit_push MSG: a new commit pushed; it deploys
gerrit_push() {
	: >"$GERRIT_LOG" &&
	new_commit "$1" &&
	push web &&
	test_grep "web v[0-9]* is running at" push.out &&
	sha=$(git -C web rev-parse HEAD) &&
	n=$(newest_release web)
}

test_expect_success DOCKER,SSHD 'setup: an SSH daemon standing in for Gerrit' '
	gerrit_start &&
	report_to "gerrit:ssh://$GERRIT_USER@127.0.0.1:$GERRIT_PORT"
'

test_expect_success DOCKER,SSHD 'a good push: one review comment with the URL' '
	gerrit_push gerrit-one &&
	echo "gerrit review --message '\''solum: web v$n is running at $(cat url)'\'' $sha" >expect &&
	test_cmp expect "$GERRIT_LOG" &&
	test_grep -v "warning: could not report" push.out
'

test_expect_success DOCKER,SSHD 'a failed build: one comment with the reason, quotes made safe' '
	: >"$GERRIT_LOG" &&
	echo "RUN echo about to fail && exit 3" >>web/Dockerfile &&
	git -C web commit -q -am "broken again" &&
	push web &&
	sha=$(git -C web rev-parse HEAD) &&
	n=$(newest_release web) &&
	test_grep "web v$n failed: build:" push.out &&
	test_line_count = 1 "$GERRIT_LOG" &&
	test_grep "^gerrit review --message '\''solum: web v$n failed: build: The command ?/bin/sh -c echo about to fail ?? exit 3? returned a non-zero code: 3 (app at $(cat url))'\'' $sha$" "$GERRIT_LOG" &&
	tr -cd "'\''" <"$GERRIT_LOG" >quotes &&
	printf "'\'''\''" >expect &&
	test_cmp expect quotes &&
	test_grep -v "warning: could not report" push.out &&
	git -C web revert --no-edit HEAD >/dev/null
'

test_expect_success DOCKER,SSHD 'an unknown host key: refused, nothing sent, the deploy goes on' '
	test_when_finished "echo \"\$HOSTLINE\" >\"\$SOLUM_HOME/ssh/known_hosts\"" &&
	: >"$SOLUM_HOME/ssh/known_hosts" &&
	gerrit_push gerrit-unknown &&
	test_line_count = 0 "$GERRIT_LOG" &&
	grep "warning: could not report" push.out >warnings &&
	test_line_count = 1 warnings &&
	test_grep "^remote:        warning: could not report to Gerrit (success): the host key of \[127.0.0.1\]:$GERRIT_PORT is not in .$SOLUM_HOME/ssh/known_hosts.: refused" warnings
'

test_expect_success DOCKER,SSHD 'a changed host key: refused, nothing sent' '
	test_when_finished "echo \"\$HOSTLINE\" >\"\$SOLUM_HOME/ssh/known_hosts\"" &&
	ssh-keygen -q -t ed25519 -N "" -f other_key &&
	echo "[127.0.0.1]:$GERRIT_PORT $(cut -d" " -f1,2 other_key.pub)" \
		>"$SOLUM_HOME/ssh/known_hosts" &&
	gerrit_push gerrit-changed &&
	test_line_count = 0 "$GERRIT_LOG" &&
	grep "warning: could not report" push.out >warnings &&
	test_line_count = 1 warnings &&
	test_grep "could not report to Gerrit (success): the host key of \[127.0.0.1\]:$GERRIT_PORT is not the one in .$SOLUM_HOME/ssh/known_hosts.: refused" warnings
'

test_expect_success DOCKER,SSHD 'gerrit review fails: one warning with its first line' '
	echo fail >"$GERRIT_MODE" &&
	test_when_finished "rm -f \"$GERRIT_MODE\"" &&
	gerrit_push gerrit-fail &&
	test_line_count = 1 "$GERRIT_LOG" &&
	grep "warning: could not report" push.out >warnings &&
	test_line_count = 1 warnings &&
	test_grep "could not report to Gerrit (success): \[127.0.0.1\]:$GERRIT_PORT: gerrit review exited 1: fatal: ?$sha? no such change *$" warnings
'

test_expect_success DOCKER,SSHD 'gerrit review hangs: given up after the timeout' '
	echo hang >"$GERRIT_MODE" &&
	test_when_finished "rm -f \"$GERRIT_MODE\"" &&
	gerrit_push gerrit-hang &&
	test_line_count = 1 "$GERRIT_LOG" &&
	grep "warning: could not report" push.out >warnings &&
	test_line_count = 1 warnings &&
	test_grep "could not report to Gerrit (success): \[127.0.0.1\]:$GERRIT_PORT: gerrit review did not finish within 10 s *$" warnings
'

test_expect_success DOCKER,SSHD 'a key Gerrit does not know: refused, the deploy goes on' '
	report_to "gerrit:ssh://nobody-$$@127.0.0.1:$GERRIT_PORT" &&
	test_when_finished "report_to \"gerrit:ssh://\$GERRIT_USER@127.0.0.1:\$GERRIT_PORT\"" &&
	gerrit_push gerrit-user &&
	test_line_count = 0 "$GERRIT_LOG" &&
	grep "warning: could not report" push.out >warnings &&
	test_line_count = 1 warnings &&
	test_grep "could not report to Gerrit (success): \[127.0.0.1\]:$GERRIT_PORT refused the key of .$SOLUM_HOME/ssh/id_ed25519. for user .nobody-$$." warnings
'

test_done
