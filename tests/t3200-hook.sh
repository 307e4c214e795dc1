#!/bin/bash
test_description='solum hook: what repositories run on a push'
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup' '
	solum_init &&
	solum app create web &&
	repo="$SOLUM_HOME/repos/web.git" &&
	git init -q work &&
	test_commit work one
'

test_expect_success 'the hooks run solum with the home' '
	test_grep "hook post-receive" "$SOLUM_HOME/repos/web.git/hooks/post-receive" &&
	test_path_is_missing "$SOLUM_HOME/repos/web.git/hooks/pre-receive" &&
	test_grep -- "--home .$SOLUM_HOME." "$SOLUM_HOME/repos/web.git/hooks/post-receive"
'

test_expect_success 'gate mode installs the pre-receive hook, and only it' '
	solum app set web --gate &&
	test_grep "hook pre-receive" "$SOLUM_HOME/repos/web.git/hooks/pre-receive" &&
	solum app set web --no-gate &&
	test_path_is_missing "$SOLUM_HOME/repos/web.git/hooks/pre-receive"
'

test_expect_success 'an unmapped branch is stored, not deployed' '
	git -C work push -q "$SOLUM_HOME/repos/web.git" master:topic 2>err &&
	test_grep "branch .topic. of .web. is not mapped to an app: stored, not deployed" err
'

test_expect_success 'tags are not deployed' '
	git -C work tag v1 &&
	git -C work push -q "$SOLUM_HOME/repos/web.git" v1 2>err &&
	test_grep "refs/tags/v1: not a branch, nothing to deploy" err
'

test_expect_success 'deploy=skip stores the mapped branch; unknown options are reported' '
	git -C work push -q -o deploy=skip -o colour=blue "$SOLUM_HOME/repos/web.git" master 2>err &&
	test_grep "web ([0-9a-f]\{7\}) stored; deploy skipped" err &&
	test_grep "ignoring unknown push option .colour=blue." err &&
	solum releases web >list &&
	test_line_count = 1 list
'

test_expect_success 'a deleted branch keeps the current release' '
	solum app create web-topic --repo web --branch topic &&
	git -C work push -q "$SOLUM_HOME/repos/web.git" :topic 2>err &&
	test_grep "branch .topic. deleted; app .web-topic. keeps its current release" err
'

test_expect_success 'malformed hook input is refused with one line' '
	(
		cd "$SOLUM_HOME/repos/web.git" &&
		echo garbage | test_must_fail solum hook post-receive 2>err &&
		test_grep "hook: malformed ref update line" err &&
		test_line_count = 1 err &&
		printf "%040d %040d refs/heads/%0400d\n" 0 1 0 |
			test_must_fail solum hook post-receive 2>err &&
		test_grep "longer than git writes" err
	)
'

test_expect_success 'the hook only runs inside the home' '
	mkdir elsewhere.git &&
	(
		cd elsewhere.git &&
		echo | test_must_fail solum hook post-receive 2>err &&
		test_grep "is not a repository of the solum home" err
	)
'

test_expect_success 'the hook runs solum-hook first, solum when it is missing' '
	hook="$SOLUM_HOME/repos/web.git/hooks/post-receive" &&
	test_grep "solum-hook. .*solum. --home .$SOLUM_HOME. hook post-receive" "$hook" &&
	sed "s/solum-hook/solum-missing/g" "$hook" >nohook &&
	chmod +x nohook &&
	(
		cd "$SOLUM_HOME/repos/web.git" &&
		printf "%040d %s refs/heads/elsewhere\n" 0 "$(git rev-parse HEAD)" |
			"$TRASH_DIRECTORY/nohook" >"$TRASH_DIRECTORY/out"
	) &&
	test_grep "branch .elsewhere. of .web. is not mapped" out
'

test_expect_success 'solum-hook needs no more than libc and SQLite' '
	ldd "$SOLUM_BUILD/solum-hook" >libs &&
	test_grep libsqlite3 libs &&
	test_grep -v -E "libssh|libgit2|libcurl|libarchive|libyaml|libjansson" libs
'

# fake-solum: a stand-in for solum that keeps its arguments and input
test_expect_success 'solum-hook: setup' '
	cat >fake-solum <<-EOF &&
	#!/bin/sh
	echo "\$@" >"$TRASH_DIRECTORY/fake.args"
	cat >"$TRASH_DIRECTORY/fake.in"
	echo "fake solum ran"
	EOF
	chmod +x fake-solum &&
	rev=$(git -C work rev-parse HEAD) &&
	zero=0000000000000000000000000000000000000000
'

# quick INPUT-FILE [ENV...]: what solum-hook prints for the input, run with a
# fake solum, and what solum itself prints, in quick.out and full.out
quick() {
	(
		cd "$SOLUM_HOME/repos/web.git" &&
		rm -f "$TRASH_DIRECTORY/fake.in" &&
		env "${@:2}" "$SOLUM_BUILD/solum-hook" "$TRASH_DIRECTORY/fake-solum" \
			--home "$SOLUM_HOME" hook post-receive \
			<"$TRASH_DIRECTORY/$1" >"$TRASH_DIRECTORY/quick.out" 2>&1 &&
		env "${@:2}" solum --home "$SOLUM_HOME" hook post-receive \
			<"$TRASH_DIRECTORY/$1" >"$TRASH_DIRECTORY/full.out" 2>&1
	)
}

test_expect_success 'solum-hook says what solum says about refs that deploy nothing' '
	{
		echo "$zero $rev refs/heads/topic2" &&
		echo "$zero $rev refs/tags/v2" &&
		echo "$rev $zero refs/heads/gone" &&
		echo "$zero $rev refs/notes/commits"
	} >unmapped.in &&
	quick unmapped.in GIT_PUSH_OPTION_COUNT=2 GIT_PUSH_OPTION_0=colour=blue \
		GIT_PUSH_OPTION_1=deploy=async &&
	test_path_is_missing fake.in &&
	test_cmp full.out quick.out &&
	test_line_count = 5 quick.out
'

test_expect_success 'solum-hook hands a mapped branch to solum with the same input' '
	{
		echo "$zero $rev refs/heads/topic3" &&
		echo "$zero $rev refs/heads/master"
	} >mapped.in &&
	(
		cd "$SOLUM_HOME/repos/web.git" &&
		"$SOLUM_BUILD/solum-hook" "$TRASH_DIRECTORY/fake-solum" \
			--home "$SOLUM_HOME" hook post-receive \
			<"$TRASH_DIRECTORY/mapped.in" >"$TRASH_DIRECTORY/quick.out"
	) &&
	test_cmp mapped.in fake.in &&
	echo "--home $SOLUM_HOME hook post-receive" >expect &&
	test_cmp expect fake.args &&
	echo "fake solum ran" >expect &&
	test_cmp expect quick.out
'

test_expect_success 'solum-hook leaves bad input, an unreadable store and a stranger to solum' '
	printf "garbage\n" >bad.in &&
	(
		cd "$SOLUM_HOME/repos/web.git" &&
		"$SOLUM_BUILD/solum-hook" "$TRASH_DIRECTORY/fake-solum" \
			--home "$SOLUM_HOME" hook post-receive \
			<"$TRASH_DIRECTORY/bad.in" >/dev/null
	) &&
	test_cmp bad.in fake.in &&
	rm fake.in &&
	mkdir -p other/repos/web.git &&
	(
		cd other/repos/web.git &&
		"$SOLUM_BUILD/solum-hook" "$TRASH_DIRECTORY/fake-solum" \
			--home "$TRASH_DIRECTORY/other" hook post-receive \
			<"$TRASH_DIRECTORY/unmapped.in" >/dev/null
	) &&
	test_cmp unmapped.in fake.in &&
	test_path_is_missing other/solum.db &&
	rm fake.in &&
	(
		cd elsewhere.git &&
		"$SOLUM_BUILD/solum-hook" "$TRASH_DIRECTORY/fake-solum" \
			--home "$SOLUM_HOME" hook post-receive \
			<"$TRASH_DIRECTORY/unmapped.in" >/dev/null
	) &&
	test_cmp unmapped.in fake.in
'

test_done
