#!/bin/bash
# shellcheck disable=SC2016,SC2034
test_description='solum sshd: git push, clone and fetch over ssh; roles'
. "$(dirname "$0")/lib.sh"

# quiet_hooks REPO...: hooks that take the refs and deploy nothing
quiet_hooks() {
	local r h
	for r; do
		for h in pre-receive post-receive; do
			printf '#!/bin/sh\ncat >/dev/null\necho "hook %s ran"\n' "$h" \
				>"$SOLUM_HOME/repos/$r.git/hooks/$h" &&
			chmod +x "$SOLUM_HOME/repos/$r.git/hooks/$h" || return 1
		done
	done
}

bare() { git --git-dir="$SOLUM_HOME/repos/$1.git" "${@:2}"; }

test_expect_success 'setup' '
	solum_init &&
	solum app create web >/dev/null &&
	solum app create api >/dev/null &&
	quiet_hooks web api &&
	solum_user alice push web push api &&
	solum_user bob read web &&
	solum_user carol &&
	solum_user root admin "*" &&
	solum_key mallory &&
	solum_start_sshd &&
	git init -q work &&
	test_commit work one
'

test_expect_success 'push a new branch' '
	as_user alice git -C work push "$(solum_url web)" master 2>push.err &&
	test_grep "hook post-receive ran" push.err &&
	test "$(bare web rev-parse master)" = "$(git -C work rev-parse master)" &&
	test_grep "alice: run git-receive-pack .web." sshd.log &&
	test_grep "alice: git-receive-pack .web.: exit status 0" sshd.log
'

test_expect_success 'clone and fetch' '
	as_user alice git clone -q "$(solum_url web)" clone &&
	test_cmp work/one.t clone/one.t &&
	test_commit work two &&
	as_user alice git -C work push -q "$(solum_url web)" master &&
	as_user alice git -C clone fetch -q origin &&
	test "$(git -C clone rev-parse origin/master)" = "$(git -C work rev-parse master)"
'

test_expect_success 'force-push rewrites the branch' '
	git -C work reset -q --hard HEAD^ &&
	test_commit work rewritten &&
	test_must_fail as_user alice git -C work push -q "$(solum_url web)" master &&
	as_user alice git -C work push -q -f "$(solum_url web)" master &&
	test "$(bare web rev-parse master)" = "$(git -C work rev-parse master)"
'

test_expect_success 'protocol v2 and v0 both work' '
	test_commit work v2 &&
	as_user alice git -C work -c protocol.version=2 push -q "$(solum_url web)" master &&
	test "$(bare web rev-parse master)" = "$(git -C work rev-parse master)" &&
	test_grep "git-upload-pack .web. with GIT_PROTOCOL" sshd.log &&
	as_user alice git -c protocol.version=2 clone -q "$(solum_url web)" clone-v2 &&
	as_user alice git -c protocol.version=0 clone -q "$(solum_url web)" clone-v0 &&
	test_cmp work/v2.t clone-v2/v2.t &&
	test_cmp work/v2.t clone-v0/v2.t &&
	GIT_TRACE_PACKET=1 as_user alice git -c protocol.version=2 \
		ls-remote "$(solum_url web)" >ls.out 2>ls.trace &&
	test_grep "version 2" ls.trace &&
	test_grep refs/heads/master ls.out
'

test_expect_success 'scp-style remote and bare repo names' '
	GIT_SSH_COMMAND="ssh -p $SSHD_PORT -i $TRASH_DIRECTORY/keys/alice -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR" \
		git clone -q solum@127.0.0.1:web.git clone-scp &&
	GIT_SSH_COMMAND="ssh -p $SSHD_PORT -i $TRASH_DIRECTORY/keys/alice -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR" \
		git clone -q solum@127.0.0.1:api clone-noext &&
	as_user alice git clone -q "ssh://solum@127.0.0.1:$SSHD_PORT/web" clone-noext2 &&
	test_cmp work/v2.t clone-scp/v2.t
'

test_expect_success 'any login name is accepted; the key decides the user' '
	as_user alice git clone -q "ssh://git@127.0.0.1:$SSHD_PORT/web.git" clone-git &&
	test_grep "accepted key SHA256:.* for user .alice. (login .git.)" sshd.log
'

test_expect_success 'a read-only user can clone but not push' '
	as_user bob git clone -q "$(solum_url web)" bob-clone &&
	test_commit bob-clone bobs &&
	test_expect_code 128 as_user bob git -C bob-clone push -q origin master 2>bob.err &&
	test_grep "^solum: user .bob. may not push to .web.$" bob.err &&
	test "$(bare web rev-parse master)" = "$(git -C work rev-parse master)" &&
	test_grep "bob: refused git-receive-pack .web.: no push role" sshd.log
'

test_expect_success 'without a role the repository does not exist' '
	test_must_fail as_user carol git clone -q "$(solum_url web)" carol-clone 2>carol.err &&
	test_grep "^solum: repository .web. not found$" carol.err &&
	test_must_fail as_user bob git clone -q "$(solum_url api)" bob-api 2>bob-api.err &&
	test_grep "^solum: repository .api. not found$" bob-api.err &&
	test_must_fail as_user alice git clone -q "$(solum_url nope)" nope 2>nope.err &&
	test_grep "^solum: repository .nope. not found$" nope.err &&
	test_path_is_missing carol-clone
'

test_expect_success 'an unknown key is refused' '
	test_expect_code 255 solum_ssh mallory help </dev/null 2>mallory.err &&
	test_grep "Permission denied (publickey)" mallory.err &&
	fp=$(ssh-keygen -lf keys/mallory.pub | cut -d" " -f2) &&
	test_grep "unknown key $fp" sshd.log &&
	test_must_fail as_user mallory git clone -q "$(solum_url web)" m 2>m.err &&
	test_grep "Permission denied (publickey)" m.err
'

test_expect_success 'paths that leave the repositories are refused' '
	for arg in "'\''../etc'\''" "'\''/../solum.db'\''" "'\''~/web.git'\''" \
		"'\''web.git/../api'\''" "'\''-u'\''" "'\''/srv/web.git'\''"; do
		test_expect_code 128 solum_ssh alice "git-upload-pack $arg" \
			</dev/null >out 2>err &&
		test_line_count = 1 err &&
		test_grep "^solum: invalid repository name" err &&
		test_line_count = 0 out || return 1
	done &&
	test_must_fail as_user alice git clone -q \
		"ssh://solum@127.0.0.1:$SSHD_PORT/~/web.git" tilde 2>tilde.err &&
	test_grep "invalid repository name" tilde.err
'

test_expect_success 'the exec string is bounded' '
	long=$(printf "%05000d" 0) &&
	test_expect_code 128 solum_ssh alice "app $long" </dev/null 2>long.err &&
	test_grep "^solum: command too long" long.err
'

test_expect_success 'help over ssh' '
	solum_ssh alice help </dev/null >help.out &&
	test_grep "git remote" help.out &&
	test_grep "you are: *alice" help.out
'

test_expect_success 'admin commands run for an admin' '
	solum_ssh root app list </dev/null >apps.out &&
	test_grep "^web " apps.out &&
	test_grep "^api " apps.out &&
	solum_ssh root grant carol api --role read </dev/null &&
	as_user carol git clone -q "$(solum_url api)" carol-api &&
	test_grep "root: run app list" sshd.log
'

test_expect_success 'admin commands are refused for others' '
	test_must_fail solum_ssh bob grant bob web --role admin </dev/null 2>grant.err &&
	test_must_fail as_user bob git -C bob-clone push -q origin master &&
	test_must_fail solum_ssh bob app create evil </dev/null 2>create.err &&
	test_path_is_missing "$SOLUM_HOME/repos/evil.git" &&
	test_must_fail solum_ssh carol app delete web </dev/null &&
	solum app show web >/dev/null
'

test_expect_success 'stdin reaches admin commands' '
	solum_key dave &&
	solum_ssh root key add dave - <keys/dave.pub &&
	solum_ssh dave help </dev/null >/dev/null
'

test_expect_success 'a big push and clone keep every byte' '
	git init -q bigwork &&
	head -c 20000000 /dev/urandom >bigwork/blob &&
	git -C bigwork add blob &&
	git -C bigwork commit -q -m big &&
	as_user alice git -C bigwork push -q "$(solum_url api)" master:big &&
	as_user alice git clone -q -b big "$(solum_url api)" bigclone &&
	cmp bigwork/blob bigclone/blob
'

test_done
