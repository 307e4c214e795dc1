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

test_done
