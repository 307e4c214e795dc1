#!/bin/bash
test_description='solum app: map repositories and branches to apps'
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup' '
	solum_init
'

test_expect_success 'app create makes the app and its bare repository' '
	solum app create web >out &&
	test_grep "created app .web.: branch .master. of repository .web." out &&
	git --git-dir="$SOLUM_HOME/repos/web.git" rev-parse --is-bare-repository >bare &&
	test "$(cat bare)" = true &&
	test "$(git --git-dir="$SOLUM_HOME/repos/web.git" config receive.fsckObjects)" = true &&
	test -x "$SOLUM_HOME/repos/web.git/hooks/post-receive" &&
	test_grep "hook post-receive" "$SOLUM_HOME/repos/web.git/hooks/post-receive"
'

test_expect_success 'app create with options' '
	solum app create api --repo backend --branch main --param DB=x --param MODE=prod \
		--dockerfile docker/Dockerfile --health /healthz --port 9000 --gate &&
	solum app show api --json >json &&
	test_grep "\"repo\": \"backend\"" json &&
	test_grep "\"branch\": \"main\"" json &&
	test_grep "\"DB\": \"x\"" json &&
	test_grep "\"dockerfile\": \"docker/Dockerfile\"" json &&
	test_grep "\"health_path\": \"/healthz\"" json &&
	test_grep "\"port\": 9000" json &&
	test_grep "\"gate\": true" json
'

test_expect_success 'app list shows every app; --json is an array' '
	solum app list >out &&
	test_grep "^web  *web  *master" out &&
	test_grep "^api  *backend  *main" out &&
	solum app list --json >json &&
	test "$(head -c1 json)" = "[" &&
	test_grep -c "\"name\"" json >n && test "$(cat n)" = 2
'

test_expect_success 'one branch deploys one app' '
	test_must_fail solum app create web2 --repo web 2>err &&
	test_grep "branch .master. of repository .web. already deploys app .web." err &&
	solum app create web-staging --repo web --branch staging
'

test_expect_success 'names are validated and refused with one line' '
	for n in ../x -x Web "a b" "$(printf "a\\nb")" aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
	do
		test_must_fail solum app create "$n" 2>err || return 1
		test_line_count = 1 err || return 1
	done &&
	test_must_fail solum app create ok --repo ../etc 2>err &&
	test_grep "invalid repository name" err &&
	test_must_fail solum app create ok --branch "a..b" 2>err &&
	test_grep "invalid branch name" err &&
	test_must_fail solum app create ok --param "1x=y" 2>err &&
	test_grep "invalid --param" err &&
	test_must_fail solum app create ok --dockerfile ../Dockerfile 2>err &&
	test_grep "invalid Dockerfile path" err &&
	test_path_is_missing "$SOLUM_HOME/repos/ok.git"
'

test_expect_success 'an existing app is not created twice' '
	test_must_fail solum app create web 2>err &&
	test_grep "app .web. already exists" err
'

test_expect_success 'app set changes fields and params' '
	solum app set api --param MODE=dev --unset-param DB --no-gate --branch release &&
	solum app show api --json >json &&
	test_grep "\"MODE\": \"dev\"" json &&
	test_grep -v "\"DB\"" json &&
	test_grep "\"gate\": false" json &&
	test_grep "\"branch\": \"release\"" json
'

test_expect_success 'app show of an unknown app' '
	test_must_fail solum app show nope 2>err &&
	echo "solum: app '"'"'nope'"'"' not found" >expect &&
	test_cmp expect err
'

test_expect_success 'app delete keeps the repository' '
	solum app delete web-staging &&
	test_must_fail solum app show web-staging &&
	test_path_is_dir "$SOLUM_HOME/repos/web.git" &&
	test_must_fail solum app delete web-staging 2>err &&
	test_grep "not found" err
'

test_done
