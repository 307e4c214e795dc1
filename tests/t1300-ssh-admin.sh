#!/bin/bash
# shellcheck disable=SC2016
test_description='admin commands over ssh: roles, hidden values, no server files'
. "$(dirname "$0")/lib.sh"

# same_refusal FILE1 FILE2: both hold the one same line
same_refusal() {
	test_line_count = 1 "$1" &&
	test_cmp "$1" "$2"
}

test_expect_success 'setup' '
	solum_init &&
	solum app create web --param DATABASE_URL=postgres://u:pgpass@db/web \
		--secret API_KEY=hunter2 >/dev/null &&
	solum app create api >/dev/null &&
	solum_user root admin "*" &&
	solum_user owner admin web &&
	solum_user reader read web &&
	solum_user pusher push web &&
	solum_user carol &&
	solum_start_sshd
'

test_expect_success 'a read-role user sees param names, not their values' '
	solum_ssh reader app show web </dev/null >show &&
	test_grep "^params: *DATABASE_URL (values: admins only)" show &&
	test_grep "^secrets: *API_KEY (set; never shown)" show &&
	solum_ssh reader app show web --json </dev/null >json &&
	test_grep "\"DATABASE_URL\": true" json &&
	solum_ssh reader app list --json </dev/null >list &&
	test_grep "\"DATABASE_URL\": true" list &&
	test_grep -v "\"name\": \"api\"" list &&
	cat show json list >all &&
	test_grep -v "pgpass\|hunter2" all
'

test_expect_success 'admins see param values, and secrets only as set' '
	solum_ssh owner app show web </dev/null >show &&
	test_grep "^params: *DATABASE_URL=postgres://u:pgpass@db/web$" show &&
	solum_ssh root app show web --json </dev/null >json &&
	test_grep "\"DATABASE_URL\": \"postgres://u:pgpass@db/web\"" json &&
	test_grep "\"API_KEY\": true" json &&
	cat show json >all &&
	test_grep -v hunter2 all
'

test_expect_success 'a secret set over ssh reaches no log' '
	solum_ssh owner app set web --secret TOKEN=tok-hunter3 </dev/null >out &&
	echo tok-hunter4 | solum_ssh owner app set web --secret OTHER >>out &&
	test_grep "updated app .web." out &&
	solum_ssh owner app show web </dev/null >>out &&
	test_grep "TOKEN" out &&
	test_grep -v "tok-hunter" out &&
	test_grep "owner: run app set web" sshd.log &&
	test_grep -v "hunter" sshd.log &&
	test "$(sqlite3 "$SOLUM_HOME/solum.db" "SELECT json_extract(secrets, '"'"'\$.OTHER'"'"') FROM apps WHERE name = '"'"'web'"'"'")" = tok-hunter4
'

test_expect_success 'key add over ssh takes standard input only, and names no file' '
	printf "root:\$y\$j9T\$shadowsalt:19000:0:99999:7:::\n" >fake-shadow &&
	test_must_fail solum_ssh root key add bob /etc/shadow </dev/null 2>shadow.err &&
	test_must_fail solum_ssh root key add bob "$PWD/fake-shadow" </dev/null 2>fake.err &&
	test_must_fail solum_ssh root key add bob /no/such/file </dev/null 2>none.err &&
	echo "solum: over ssh, key add reads the keys from standard input: give '"'"'-'"'"' for FILE" >expect &&
	test_cmp expect shadow.err &&
	same_refusal shadow.err fake.err &&
	same_refusal shadow.err none.err &&
	test_must_fail solum_ssh root key add bob - <fake-shadow 2>stdin.err &&
	test_grep "standard input:1: not a public key" stdin.err &&
	test_grep -v "shadowsalt\|root:" stdin.err &&
	solum_key bob &&
	solum_ssh root key add bob - <keys/bob.pub >out &&
	test_grep "added ssh-ed25519 key" out
'

test_expect_success '--template over ssh takes standard input or the name of a shipped template' '
	test_must_fail solum_ssh root app set api --template /etc/passwd </dev/null 2>passwd.err &&
	test_must_fail solum_ssh root app set api --template /no/such </dev/null 2>none.err &&
	test_must_fail solum_ssh root app create t2 --template /etc/passwd </dev/null 2>create.err &&
	echo "solum: over ssh, --template takes the NAME of one of solum'"'"'s templates, or '"'"'-'"'"' and the template on standard input" >expect &&
	test_cmp expect passwd.err &&
	same_refusal passwd.err none.err &&
	same_refusal passwd.err create.err &&
	printf "heat_template_version: 2018-08-31\n" >tpl.yaml &&
	solum_ssh root app set api --template - <tpl.yaml >/dev/null &&
	test_cmp tpl.yaml "$SOLUM_HOME/templates/api.yaml" &&
	solum_ssh root app set api --template nova-glance </dev/null >/dev/null &&
	solum app show api --json | jq -r .template >tpl &&
	echo "$SOLUM_SRC/templates/nova-glance.yaml" >expect &&
	test_cmp expect tpl
'

test_expect_success 'a user without a role gets the same line for an app that exists and one that does not' '
	for cmd in "app show" "app set" "releases" "logs" "deploy" "rollback" "cancel"
	do
		test_must_fail solum_ssh carol $cmd web </dev/null 2>web.err &&
		test_must_fail solum_ssh carol $cmd nope </dev/null 2>nope.err &&
		sed "s/nope/web/" nope.err >nope-as-web.err &&
		same_refusal web.err nope-as-web.err || return 1
	done &&
	test_grep "^solum: app .web. not found$" web.err &&
	test_must_fail solum_ssh carol app set web --template /etc/passwd </dev/null 2>t.err &&
	test_grep "^solum: app .web. not found$" t.err
'

test_expect_success 'global verbs: the same line whatever exists' '
	test_must_fail solum_ssh carol app delete web </dev/null 2>web.err &&
	test_must_fail solum_ssh carol app delete nope </dev/null 2>nope.err &&
	same_refusal web.err nope.err &&
	test_grep "needs the global admin role" web.err &&
	test_must_fail solum_ssh carol grant carol web --role admin </dev/null 2>web.err &&
	test_must_fail solum_ssh carol grant carol nope --role admin </dev/null 2>nope.err &&
	same_refusal web.err nope.err &&
	test_must_fail solum_ssh carol revoke reader web </dev/null 2>web.err &&
	test_must_fail solum_ssh carol revoke reader nope </dev/null 2>nope.err &&
	same_refusal web.err nope.err &&
	test_must_fail solum_ssh carol app create evil --template /etc/passwd </dev/null 2>create.err &&
	same_refusal web.err create.err &&
	test_path_is_missing "$SOLUM_HOME/repos/evil.git"
'

test_expect_success 'git push and clone: the same line for a repository that exists and one that does not' '
	test_must_fail as_user carol git clone -q "$(solum_url web)" c1 2>web.err &&
	test_must_fail as_user carol git clone -q "$(solum_url nope)" c2 2>nope.err &&
	sed "s/nope/web/" nope.err >nope-as-web.err &&
	test_cmp web.err nope-as-web.err &&
	test_grep "^solum: repository .web. not found$" web.err &&
	git init -q work &&
	test_commit work one &&
	test_must_fail as_user carol git -C work push -q "$(solum_url web)" master 2>web.err &&
	test_must_fail as_user carol git -C work push -q "$(solum_url nope)" master 2>nope.err &&
	sed "s/nope/web/" nope.err >nope-as-web.err &&
	test_cmp web.err nope-as-web.err &&
	test_grep "carol: refused git-receive-pack .web.: no read role" sshd.log &&
	test_grep "carol: refused git-receive-pack .nope.: no such repository" sshd.log
'

test_expect_success 'a role below the one needed is named' '
	test_must_fail solum_ssh reader deploy web </dev/null 2>err &&
	test_grep "^solum: user .reader. needs the push role on repository .web. for app .web.$" err &&
	test_must_fail solum_ssh pusher app set web --port 8080 </dev/null 2>err &&
	test_grep "^solum: user .pusher. needs the admin role on repository .web. for app .web.$" err &&
	test_must_fail as_user reader git -C work push -q "$(solum_url web)" master 2>err &&
	test_grep "^solum: user .reader. may not push to .web.$" err
'

test_expect_success 'a repository admin may not move an app to a repository of others' '
	test_must_fail solum_ssh owner app set web --repo api </dev/null 2>api.err &&
	test_must_fail solum_ssh owner app set web --repo newrepo </dev/null 2>new.err &&
	sed "s/newrepo/api/" new.err >new-as-api.err &&
	same_refusal api.err new-as-api.err &&
	test_grep "^solum: repository .api. not found$" api.err &&
	solum app show web --json >json &&
	test_grep "\"repo\": \"web\"" json
'

test_expect_success 'grants over ssh: global admins only' '
	solum_ssh root grants web </dev/null >out &&
	test_grep "^owner  *web  *admin" out &&
	test_grep "^reader  *web  *read" out &&
	test_grep -v "^root" out &&
	solum_ssh root grants --json </dev/null >json &&
	test_grep "\"user\": \"root\"" json &&
	test_must_fail solum_ssh owner grants </dev/null 2>err &&
	test_grep "^solum: user .owner. needs the global admin role" err
'

test_expect_success 'names the SSH front would refuse are refused at create' '
	test_must_fail solum_ssh root app create a..b </dev/null 2>err &&
	test_grep "invalid app name .a..b." err &&
	test_must_fail solum_ssh root app create x- </dev/null 2>err &&
	test_grep "invalid app name .x-.: must end with a letter or digit" err
'

test_done
