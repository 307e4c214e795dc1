#!/bin/bash
test_description='the Gerrit and GitLab merge hooks in contrib/ deploy through solum once per merge'
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-docker.sh"
. "$TEST_DIRECTORY/lib-deploy.sh"

test_docker_setup

GERRIT_SITE=$TRASH_DIRECTORY/site
PROJECT=$GERRIT_SITE/git/team/web.git
HOOKLOG=$GERRIT_SITE/data/solum/hooks.log

# gerrit_hook HOOK ARGS...: run HOOK as Gerrit's hooks plugin does: an
# argv, a bare environment, cwd and GIT_DIR at the project, no stdin.
gerrit_hook() {
	local hook=$1
	shift
	(
		cd "$PROJECT" &&
		env -i PATH="$PATH" HOME="$HOME" GERRIT_SITE="$GERRIT_SITE" \
			GIT_DIR="$PROJECT" \
			"$SOLUM_SRC/contrib/gerrit/$hook" "$@" </dev/null
	)
}

# gitlab_hook: run contrib/gitlab/post-receive as a GitLab server hook,
# the "OLD NEW REF" lines on stdin.
gitlab_hook() {
	(
		cd "$PROJECT" &&
		env -i PATH="$PATH" HOME="$HOME" \
			SOLUM_HOOK_CONFIG="$GERRIT_SITE/etc/solum.config" \
			SOLUM_HOOK_STATE_DIR="$TRASH_DIRECTORY/gitlab" \
			GL_PROJECT_PATH=team/web GL_REPOSITORY=project-1 \
			"$SOLUM_SRC/contrib/gitlab/post-receive"
	)
}

# merge MSG: a new commit on the project's master; prints its id
merge() {
	echo "$1" >web/www/version.txt &&
	git -C web commit -q -am "$1" &&
	git -C web push -q "$PROJECT" master &&
	git -C web rev-parse HEAD
}

releases() { solum releases web --json | grep -c '"number"'; }
solum_master() { git --git-dir="$SOLUM_HOME/repos/web.git" rev-parse master; }

test_expect_success DOCKER 'setup: solum, a deploy key, a Gerrit project and the config' '
	DEPLOY_DOCKER_FROM_ENV=1 &&
	deploy_setup &&
	solum app create web --health /version.txt &&
	solum_user gerrit push web &&
	git init -q --bare "$PROJECT" &&
	make_app web one &&
	git -C web push -q "$PROJECT" master &&
	mkdir -p "$GERRIT_SITE/etc" &&
	printf "[127.0.0.1]:%s %s\n" "$SSHD_PORT" \
		"$(cut -d" " -f1,2 "$SOLUM_HOME/ssh/host_ed25519_key.pub")" \
		>"$GERRIT_SITE/etc/solum_known_hosts" &&
	cat >"$GERRIT_SITE/etc/solum.config" <<-EOF
	[solum]
		remote = ssh://solum@127.0.0.1:$SSHD_PORT
		identity = $TRASH_DIRECTORY/keys/gerrit
		knownhosts = $GERRIT_SITE/etc/solum_known_hosts
	[project "team/web"]
		repo = web
		branch = master
	EOF
'

test_expect_success DOCKER 'change-merged and ref-updated of one merge deploy it once' '
	rev=$(merge two) &&
	gerrit_hook change-merged --change I0123 --change-url http://r/1 \
		--change-owner "A <a@example.com>" --project team/web \
		--branch master --topic "" --submitter "S <s@example.com>" \
		--commit "$rev" --newrev "$rev" &&
	gerrit_hook ref-updated --oldrev "$(git -C web rev-parse HEAD^)" \
		--newrev "$rev" --refname refs/heads/master --project team/web \
		--submitter "S <s@example.com>" &&
	test_wait_for 180 grep -q "pushed team/web master ${rev:0:12}.*(change-merged)" "$HOOKLOG" &&
	cat "$HOOKLOG" &&
	test_grep "team/web master ${rev:0:12}: pushed already: ignored (ref-updated)" "$HOOKLOG" &&
	grep -c " pushed team/web master ${rev:0:12}" "$HOOKLOG" >n &&
	echo 1 >expect &&
	test_cmp expect n &&
	test "$(solum_master)" = "$rev" &&
	test "$(releases)" = 1 &&
	solum releases web >list &&
	test_grep "^v1  *succeeded  *${rev:0:7} .* gerrit" list &&
	test_grep -v "$TRASH_DIRECTORY/keys/gerrit" "$HOOKLOG" &&
	wc -l <"$GERRIT_SITE/data/solum/pushed" >n &&
	test_cmp expect n
'

test_expect_success DOCKER 'ref-updated of refs/changes and refs/meta is ignored' '
	rev=$(git -C web rev-parse HEAD) &&
	gerrit_hook ref-updated --oldrev 0000000000000000000000000000000000000000 \
		--newrev "$rev" --refname refs/changes/01/1/1 --project team/web &&
	gerrit_hook ref-updated --oldrev "$rev" --newrev "$rev" \
		--refname refs/meta/config --project team/web &&
	test_grep "team/web refs/changes/01/1/1: not a branch: ignored" "$HOOKLOG" &&
	test_grep "team/web refs/meta/config: not a branch: ignored" "$HOOKLOG" &&
	test "$(releases)" = 1
'

test_expect_success DOCKER 'flags in another order, as --flag=value, and an unknown flag' '
	rev=$(merge three) &&
	gerrit_hook change-merged --newrev="$rev" --some-new-flag "--branch" \
		--branch refs/heads/master --project=team/web --change I4567 &&
	test_wait_for 180 grep -q "pushed team/web master ${rev:0:12}" "$HOOKLOG" &&
	test "$(solum_master)" = "$rev" &&
	test "$(releases)" = 2 &&
	solum releases web >list &&
	test_grep "^v2  *succeeded  *${rev:0:7} .* gerrit" list
'

test_expect_success DOCKER 'a project not in the config is ignored' '
	rev=$(git -C web rev-parse HEAD) &&
	gerrit_hook change-merged --project other/app --branch master \
		--newrev "$rev" &&
	test_grep "other/app master ${rev:0:12}: project not in .*solum.config: ignored" "$HOOKLOG" &&
	gerrit_hook ref-updated --project team/web --refname refs/heads/stable \
		--newrev "$rev" &&
	test_grep "team/web stable ${rev:0:12}: not branch master: ignored" "$HOOKLOG" &&
	test "$(releases)" = 2
'

test_expect_success DOCKER 'a bad revision, branch or project is refused and nothing is pushed' '
	rev=$(merge four) &&
	before=$(solum_master) &&
	gerrit_hook change-merged --project team/web --branch master \
		--newrev "HEAD" &&
	gerrit_hook change-merged --project team/web --branch master \
		--newrev "${rev:0:39};touch pwned" &&
	gerrit_hook ref-updated --project team/web --newrev "$rev" \
		--refname "refs/heads/a..b" &&
	gerrit_hook ref-updated --project team/web --newrev "$rev" \
		--refname "refs/heads/-x" &&
	gerrit_hook ref-updated --project "team/web;id" --newrev "$rev" \
		--refname refs/heads/master &&
	gerrit_hook ref-updated --project ../web --newrev "$rev" \
		--refname refs/heads/master &&
	test_grep "revision .HEAD. is not 40 hex digits: refused (change-merged)" "$HOOKLOG" &&
	test_grep "revision .${rev:0:39};touch pwned. is not 40 hex digits: refused" "$HOOKLOG" &&
	test_grep "branch .a\.\.b. is not a valid branch name: refused (ref-updated)" "$HOOKLOG" &&
	test_grep "branch .-x. is not a valid branch name: refused (ref-updated)" "$HOOKLOG" &&
	test_grep "project .team/web;id. has a bad name: refused" "$HOOKLOG" &&
	test_grep "project .\.\./web. has a bad name: refused" "$HOOKLOG" &&
	test_path_is_missing "$PROJECT/pwned" &&
	test_grep -v "pushing team/web master ${rev:0:12}" "$HOOKLOG" &&
	sleep 1 &&
	test "$(solum_master)" = "$before" &&
	test "$(releases)" = 2
'

test_expect_success DOCKER 'GitLab post-receive: a branch update deploys, a tag and a deletion do not' '
	rev=$(git -C web rev-parse HEAD) &&
	old=$(solum_master) &&
	zero=0000000000000000000000000000000000000000 &&
	printf "%s %s %s\n" \
		"$zero" "$rev" refs/tags/v4 \
		"$old" "$zero" refs/heads/old \
		"$old" "$rev" refs/heads/master |
	gitlab_hook &&
	log=$TRASH_DIRECTORY/gitlab/hooks.log &&
	test_wait_for 180 grep -q "pushed team/web master ${rev:0:12}.*(post-receive)" "$log" &&
	cat "$log" &&
	test_grep "team/web refs/tags/v4: not a branch: ignored (post-receive)" "$log" &&
	test_grep "team/web old: deleted: ignored (post-receive)" "$log" &&
	test_line_count = 4 "$log" &&
	test "$(solum_master)" = "$rev" &&
	test "$(releases)" = 3 &&
	solum releases web >list &&
	test_grep "^v3  *succeeded  *${rev:0:7} .* gerrit" list
'

test_expect_success DOCKER 'a push solum refuses is logged, and the next event tries again' '
	conf=$GERRIT_SITE/etc/solum.config &&
	cp "$conf" "$conf.good" &&
	test_when_finished "cp \"$conf.good\" \"$conf\"" &&
	solum_key stranger &&
	sed "s|keys/gerrit|keys/stranger|" "$conf.good" >"$conf" &&
	rev=$(merge five) &&
	gerrit_hook change-merged --project team/web --branch master \
		--newrev "$rev" &&
	test_wait_for 60 grep -q "push of team/web master ${rev:0:12} .* failed" "$HOOKLOG" &&
	test_grep "push of team/web master ${rev:0:12} .* failed (exit 128): .*[Pp]ermission denied" "$HOOKLOG" &&
	test_grep -v "$rev" "$GERRIT_SITE/data/solum/pushed" &&
	test "$(releases)" = 3 &&
	cp "$conf.good" "$conf" &&
	gerrit_hook ref-updated --project team/web --refname refs/heads/master \
		--newrev "$rev" &&
	test_wait_for 180 grep -q "pushed team/web master ${rev:0:12}.*(ref-updated)" "$HOOKLOG" &&
	test "$(solum_master)" = "$rev" &&
	test "$(releases)" = 4
'

test_expect_success DOCKER 'both hooks of a merge at the same time push it once' '
	rev=$(merge six) &&
	{ gerrit_hook change-merged --project team/web --branch master \
		--newrev "$rev" & } &&
	a=$! &&
	{ gerrit_hook ref-updated --project team/web \
		--refname refs/heads/master --newrev "$rev" & } &&
	b=$! &&
	wait $a &&
	wait $b &&
	test_wait_for 180 grep -q " pushed team/web master ${rev:0:12}" "$HOOKLOG" &&
	grep -c "pushing team/web master ${rev:0:12}" "$HOOKLOG" >n &&
	echo 1 >expect &&
	test_cmp expect n &&
	test_grep "team/web master ${rev:0:12}: pushed already: ignored" "$HOOKLOG" &&
	test "$(solum_master)" = "$rev" &&
	test "$(releases)" = 5
'

test_done
