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

test_expect_success 'app names follow one rule; a refusal names the part broken' '
	test_must_fail solum app create a..b 2>err &&
	echo "solum: invalid app name '"'"'a..b'"'"': '"'"'.'"'"', '"'"'_'"'"' and '"'"'-'"'"' must stand between letters or digits, one at a time" >expect &&
	test_cmp expect err &&
	test_must_fail solum app create x- 2>err &&
	test_grep "invalid app name .x-.: must end with a letter or digit$" err &&
	test_must_fail solum app create -x 2>err &&
	test_line_count = 1 err &&
	test_must_fail solum app create Web 2>err &&
	test_grep "invalid app name .Web.: only lower-case letters, digits" err &&
	test_must_fail solum app create ok --repo "a_-b" 2>err &&
	test_grep "invalid repository name .a_-b.: .*one at a time" err &&
	test_must_fail solum app create "$(printf "%064d" 0)" 2>err &&
	test_grep "longer than 63 characters" err &&
	solum app create a.b-c_0 >/dev/null &&
	test_path_is_dir "$SOLUM_HOME/repos/a.b-c_0.git" &&
	solum app delete a.b-c_0 >/dev/null &&
	test_path_is_missing "$SOLUM_HOME/repos/ok.git"
'

test_expect_success 'PORT and SOLUM_* are solum'"'"'s: refused as params and secrets' '
	test_must_fail solum app create ok --param PORT=80 2>err &&
	echo "solum: invalid --param name '"'"'PORT'"'"': reserved, solum sets it to the app'"'"'s port" >expect &&
	test_cmp expect err &&
	test_must_fail solum app set api --secret SOLUM_APP=x 2>err &&
	test_grep "invalid --secret name .SOLUM_APP.: reserved, names starting with SOLUM_ are set by solum" err &&
	test_must_fail solum app set api --param 1X=y 2>err &&
	test_grep "invalid --param name .1X.: must not start with a digit" err &&
	test_must_fail solum app set api --param "A-B=y" 2>err &&
	test_grep "only letters, digits and ._. are allowed" err &&
	test_must_fail solum app set api --param NOVALUE 2>err &&
	test_grep "invalid --param: expected KEY=VALUE" err &&
	solum app set api --param port=80 >/dev/null
'

test_expect_success 'other refusals name the rule broken' '
	test_must_fail solum app set api --health "/a b" 2>err &&
	test_grep "invalid health path ./a b.: must not contain spaces" err &&
	test_must_fail solum app set api --health healthz 2>err &&
	test_grep "invalid health path .healthz.: must start with ./.$" err &&
	test_must_fail solum app set api --dockerfile /Dockerfile 2>err &&
	test_grep "must be relative to the repository" err &&
	test_must_fail solum app set api --dockerfile a/../b 2>err &&
	test_grep "must not contain .\.\.." err
'

test_expect_success 'secrets are stored, never shown: app show says set' '
	solum app set api --secret DB_PASSWORD=hunter2 --secret API_KEY=s3cr3t >out &&
	test_grep -v "hunter2\|s3cr3t" out &&
	solum app show api >show &&
	test_grep "^secrets: *API_KEY, DB_PASSWORD (set; never shown)" show &&
	solum app show api --json >json &&
	test_grep "\"DB_PASSWORD\": true" json &&
	test_grep "\"API_KEY\": true" json &&
	solum app list --json >list &&
	test_grep "\"DB_PASSWORD\": true" list &&
	cat show json list >all &&
	test_grep -v "hunter2\|s3cr3t" all &&
	test "$(sqlite3 "$SOLUM_HOME/solum.db" "SELECT secrets FROM apps WHERE name = '"'"'api'"'"'")" = \
		"{\"API_KEY\":\"s3cr3t\",\"DB_PASSWORD\":\"hunter2\"}"
'

test_expect_success 'a secret value from standard input; unset; refusals never echo a value' '
	echo "from-stdin" | solum app set api --secret TOKEN >/dev/null &&
	test "$(sqlite3 "$SOLUM_HOME/solum.db" "SELECT json_extract(secrets, '"'"'\$.TOKEN'"'"') FROM apps WHERE name = '"'"'api'"'"'")" = from-stdin &&
	solum app set api --unset-secret API_KEY >/dev/null &&
	solum app show api --json >json &&
	test_grep -v API_KEY json &&
	test_must_fail solum app set api --secret "1BAD=hunter2" 2>err &&
	test_must_fail solum app set api --secret "PORT=hunter2" 2>>err &&
	test_must_fail solum app set api --secret "A B=hunter2" 2>>err &&
	test_must_fail solum app set api --secrt=hunter2 2>>err &&
	test_line_count = 4 err &&
	test_grep -v hunter2 err &&
	test_must_fail solum app set api --param TOKEN=x 2>err &&
	test_grep ".TOKEN. is a secret already; unset it first (--unset-secret TOKEN)" err &&
	test_must_fail solum app set api --secret MODE=x 2>err &&
	test_grep ".MODE. is a param already" err
'

test_expect_success 'port, memory and pids: set, shown, back to the defaults' '
	solum app create lim >/dev/null &&
	solum app show lim >show &&
	test_grep "^port: *auto (the image.s EXPOSE, else 5000)" show &&
	test_grep "^memory: *512m (default)" show &&
	test_grep "^pids: *256 (default)" show &&
	solum app set lim --port 8080 --memory 1g --pids 100 >/dev/null &&
	solum app show lim >show &&
	test_grep "^port: *8080$" show &&
	test_grep "^memory: *1g$" show &&
	test_grep "^pids: *100$" show &&
	solum app show lim --json >json &&
	test_grep "\"port\": 8080" json &&
	test_grep "\"memory\": 1073741824" json &&
	test_grep "\"pids\": 100" json &&
	solum app set lim --memory 0 --pids 0 --port auto >/dev/null &&
	solum app show lim >show &&
	test_grep "^memory: *no limit$" show &&
	test_grep "^pids: *no limit$" show &&
	test_grep "^port: *auto" show &&
	solum app set lim --memory default --pids default >/dev/null &&
	solum app show lim --json >json &&
	test_grep "\"memory\": -1" json &&
	test_grep "\"pids\": -1" json
'

test_expect_success 'port, memory and pids refusals name the rule' '
	test_must_fail solum app set lim --port 70000 2>err &&
	test_grep "invalid --port .70000.: a port from 1 to 65535, or .auto." err &&
	test_must_fail solum app set lim --port -1 2>err &&
	test_grep "invalid --port" err &&
	test_must_fail solum app set lim --memory 1m 2>err &&
	test_grep "invalid --memory .1m.: at least 6m" err &&
	test_must_fail solum app set lim --memory lots 2>err &&
	test_grep "invalid --memory: expected a size such as 512m or 1g" err &&
	test_must_fail solum app set lim --pids many 2>err &&
	test_grep "invalid --pids .many.: a number of processes" err &&
	test_line_count = 1 err
'

test_expect_success 'a template from standard input is kept in the home, owner-only' '
	printf "heat_template_version: 2018-08-31\n" >tpl.yaml &&
	solum app set lim --template - <tpl.yaml >/dev/null &&
	test_cmp tpl.yaml "$SOLUM_HOME/templates/lim.yaml" &&
	test "$(stat -c %a "$SOLUM_HOME/templates/lim.yaml")" = 600 &&
	solum app show lim --json >json &&
	test_grep "\"template\": \"$SOLUM_HOME/templates/lim.yaml\"" json &&
	solum app set lim --template "$PWD/tpl.yaml" >/dev/null &&
	solum app show lim --json >json &&
	test_grep "\"template\": \"$PWD/tpl.yaml\"" json
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
