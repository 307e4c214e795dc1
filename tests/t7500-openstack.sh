#!/bin/bash
test_description='end to end: a push to the openstack target streams the image into Glance and creates or updates the Heat stack'
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-docker.sh"
. "$TEST_DIRECTORY/lib-deploy.sh"
. "$TEST_DIRECTORY/lib-openstack.sh"

test_docker_setup
test_registry_setup
test_openstack_setup

# images APP: the ids of APP's Glance images, sorted
images() {
	os_image_ids solum_app="$1" | sort
}

# stack_param STACK NAME: a parameter of the stack as Heat has it
stack_param() {
	os_stack_show "$1" | jq -r --arg n "$2" '.stack.parameters[$n]'
}

stack_status() {
	os_stack_show "$1" | jq -r .stack.stack_status
}

# rel_field APP N FIELD: a field of release N in `releases --json`
rel_field() {
	solum releases "$1" --json | jq -r ".[] | select(.number == $2) | .$3"
}

# use_cloud NAME: solum.yaml's openstack.cloud
use_cloud() {
	sed -i '/^openstack:/,$d' "$SOLUM_HOME/solum.yaml" &&
	printf 'openstack:\n  cloud: %s\n  stack_timeout: 120\n' "$1" >>"$SOLUM_HOME/solum.yaml"
}

# the clouds solum sees: the test cloud, and the same with a wrong password
clouds_with_bad_password() {
	cat "$OS_CLIENT_CONFIG_FILE" &&
	sed -n "/^  solum-test:/,/^  solum-admin:/p" "$OS_CLIENT_CONFIG_FILE" |
		sed "\$d; s/^  solum-test:/  solum-badpw:/; s/password: .*/password: wrong-password/"
}

test_expect_success DOCKER,REGISTRY,OPENSTACK 'setup: a cloud in solum.yaml makes openstack the default target' '
	clouds_with_bad_password >clouds.yaml &&
	test_grep "solum-badpw" clouds.yaml &&
	OS_CLIENT_CONFIG_FILE=$PWD/clouds.yaml &&
	deploy_setup &&
	use_cloud solum-test &&
	solum app create web --template "$TEST_DIRECTORY/templates/value.yaml" \
		--param greeting=hi --secret token=s3cr3t-token &&
	solum app show web >show &&
	test_grep "^target: *openstack (default)" show &&
	test_grep "^stack: *web" show &&
	solum app create loc --target local &&
	solum app show loc >show &&
	test_grep "^target: *local$" show
'

test_expect_success DOCKER,REGISTRY,OPENSTACK 'a bad target or template is refused and changes nothing' '
	test_must_fail solum app set web --target cloud9 2>err &&
	test_grep "takes local or openstack" err &&
	test_must_fail solum app set web --template no-such-template 2>err &&
	test_grep "not one of solum.s templates" err &&
	printf "heat_template_version: 2018-08-31\nparameters:\n  x: {typo: string}\n" >broken.yaml &&
	test_must_fail solum app set web --template broken.yaml 2>err &&
	test_grep "broken.yaml:3" err &&
	solum app show web --json >json &&
	jq -r .template json >tpl &&
	test_grep "templates/value.yaml$" tpl &&
	solum app create named --template server-docker &&
	solum app show named --json | jq -r .template >tpl &&
	echo "$SOLUM_SRC/templates/server-docker.yaml" >expect &&
	test_cmp expect tpl &&
	solum app delete named
'

test_expect_success DOCKER,REGISTRY,OPENSTACK 'a push uploads the image to Glance and creates the stack' '
	make_app web one &&
	push web &&
	test_grep "^remote: -----> OpenStack: cloud solum-test, as demo (password)" push.out &&
	test_grep "^remote: -----> Template value.yaml ([0-9a-f]\{12\}), stack web" push.out &&
	test_grep "^remote: -----> Uploading $REGISTRY/web:v1 to Glance as web-v1" push.out &&
	test_grep "^remote:   heat: web CREATE_COMPLETE" push.out &&
	test_grep "^remote:   heat: output url = http://web.example:5000/1" push.out &&
	test_grep "^remote: -----> web v1 is running at http://web.example:5000/1" push.out &&
	test_grep -v "s3cr3t-token" push.out &&
	test "$(stack_status web)" = CREATE_COMPLETE &&
	images web >ids &&
	test_line_count = 1 ids &&
	test "$(rel_field web 1 glance_id)" = "$(cat ids)" &&
	test "$(rel_field web 1 stack_status)" = CREATE_COMPLETE &&
	test -n "$(rel_field web 1 stack_id)" &&
	test "$(stack_param web glance_image)" = "$(cat ids)" &&
	test "$(stack_param web release)" = 1 &&
	test "$(stack_param web greeting)" = hi &&
	solum app show web >show &&
	test_grep "^url: *http://web.example:5000/1$" show &&
	digest=$(rel_field web 1 digest) &&
	test "$(stack_param web image)" = "$REGISTRY/web@$digest"
'

test_expect_success DOCKER,REGISTRY,OPENSTACK 'Glance holds exactly the engine'"'"'s docker save stream' '
	id=$(rel_field web 1 glance_id) &&
	os_cli image show "$id" -f json >img &&
	docker_cli save "$REGISTRY/web:v1" | sha512sum | cut -d" " -f1 >expect &&
	jq -r .properties.os_hash_value img >got &&
	test_cmp expect got &&
	jq -r ".container_format, .disk_format, .properties.solum_app, .properties.solum_release" img >got &&
	printf "docker\nraw\nweb\n1\n" >expect &&
	test_cmp expect got &&
	jq -r .properties.solum_commit img >got &&
	git -C web rev-parse HEAD >expect &&
	test_cmp expect got
'

test_expect_success DOCKER,REGISTRY,OPENSTACK 'the recorded parameters leave out secrets' '
	solum releases web --json >json &&
	test_grep -v "s3cr3t-token" json &&
	jq -r ".[0].params.greeting" json >got &&
	echo hi >expect &&
	test_cmp expect got &&
	jq -r ".[0].params | has(\"token\")" json >got &&
	echo false >expect &&
	test_cmp expect got &&
	test_grep -v -r "s3cr3t-token" "$SOLUM_HOME/logs"
'

test_expect_success DOCKER,REGISTRY,OPENSTACK 'a second push updates the stack' '
	make_app web two &&
	push web &&
	test_grep "^remote:   heat: web UPDATE_COMPLETE" push.out &&
	test_grep "web v2 is running at http://web.example:5000/2" push.out &&
	test "$(stack_status web)" = UPDATE_COMPLETE &&
	test "$(stack_param web release)" = 2 &&
	images web >ids &&
	test_line_count = 2 ids
'

test_expect_success DOCKER,REGISTRY,OPENSTACK 'a re-push of a built tree uploads nothing' '
	git -C web commit -q --allow-empty -m same-tree &&
	push web &&
	test_grep "Reusing the image of v2" push.out &&
	test_grep "Glance already has this image" push.out &&
	test_grep -v "Uploading" push.out &&
	images web >ids &&
	test_line_count = 2 ids &&
	test "$(rel_field web 3 glance_id)" = "$(rel_field web 2 glance_id)" &&
	test "$(stack_param web release)" = 3
'

test_expect_success DOCKER,REGISTRY,OPENSTACK 'rollback restores the old parameters with no build and no upload' '
	solum rollback web 1 >rb.out 2>&1 &&
	cat rb.out &&
	test_grep "Rolling back web to v1" rb.out &&
	test_grep -v "Building\|Uploading\|Pushing" rb.out &&
	test_grep "UPDATE_COMPLETE" rb.out &&
	images web >ids &&
	test_line_count = 2 ids &&
	test "$(stack_param web release)" = 1 &&
	test "$(stack_param web glance_image)" = "$(rel_field web 1 glance_id)" &&
	test "$(rel_field web 4 source)" = 1 &&
	test "$(rel_field web 4 glance_id)" = "$(rel_field web 1 glance_id)"
'

test_expect_success DOCKER,REGISTRY,OPENSTACK 'releases shows the stack status and Glance id' '
	solum releases web >rels &&
	test_grep "^v4 .*succeeded.*stack UPDATE_COMPLETE, glance " rels
'

test_expect_success DOCKER,REGISTRY,OPENSTACK 'keep_images keeps the images of the newest releases; a rollback to a pruned one says so' '
	test_when_finished "use_cloud solum-test" &&
	use_cloud solum-test &&
	echo "  keep_images: 1" >>"$SOLUM_HOME/solum.yaml" &&
	solum app create keep --template "$TEST_DIRECTORY/templates/value.yaml" &&
	for v in one two three; do
		make_app keep $v &&
		push keep || return 1
	done &&
	test_grep "removed Glance image keep-v1" push.out &&
	images keep >ids &&
	sort >expect <<-EOF &&
	$(rel_field keep 2 glance_id)
	$(rel_field keep 3 glance_id)
	EOF
	test_cmp expect ids &&
	test_must_fail solum rollback keep 1 >rb.out 2>&1 &&
	test_grep "the Glance image of v1 (.*) is gone (openstack.keep_images)" rb.out &&
	test "$(stack_param keep release)" = 3 &&
	solum rollback keep 2 >rb.out 2>&1 &&
	test "$(stack_param keep release)" = 2 &&
	images keep >ids &&
	test_cmp expect ids &&
	solum app delete keep --purge >/dev/null
'

test_expect_success DOCKER,REGISTRY,OPENSTACK 'a template parameter with no value stops the deploy before the build' '
	solum app create req --template "$TEST_DIRECTORY/templates/required.yaml" &&
	make_app req one &&
	push req &&
	test_grep "parameter .db_password. has no value and no default" push.out &&
	test_grep -v "Building\|Uploading" push.out &&
	test "$(rel_field req 1 status)" = failed &&
	images req >ids &&
	test_line_count = 0 ids
'

test_expect_success DOCKER,REGISTRY,OPENSTACK '--template-from-repo takes .solum/heat.yaml of the pushed tree' '
	solum app create fromrepo --template-from-repo --stack fromrepo-stack &&
	make_app fromrepo one &&
	push fromrepo &&
	test_grep "has no .solum/heat.yaml" push.out &&
	test_grep -v "Building" push.out &&
	mkdir -p fromrepo/.solum &&
	cp "$TEST_DIRECTORY/templates/value.yaml" fromrepo/.solum/heat.yaml &&
	git -C fromrepo add .solum &&
	git -C fromrepo commit -q -m template &&
	push fromrepo &&
	test_grep "Template [0-9a-f]\{7\}:.solum/heat.yaml ([0-9a-f]\{12\}), stack fromrepo-stack" push.out &&
	test_grep "fromrepo v2 is running at http://fromrepo.example:5000/2" push.out &&
	test "$(stack_status fromrepo-stack)" = CREATE_COMPLETE &&
	solum app delete fromrepo --purge >del.out &&
	test_grep "deleted stack fromrepo-stack" del.out
'

test_expect_success DOCKER,REGISTRY,OPENSTACK 'a failing stack update fails the release; the old stack and images stay' '
	solum app create bad --template "$TEST_DIRECTORY/templates/fail-update.yaml" &&
	make_app bad one &&
	push bad &&
	test_grep "bad v1 is running at http://fail.example/1" push.out &&
	solum app set bad --param fail=true &&
	make_app bad two &&
	push bad &&
	test_grep "failed and was rolled back" push.out &&
	test_grep "Test Resource failed" push.out &&
	test_grep " !     bad v2 failed" push.out &&
	test "$(rel_field bad 2 status)" = failed &&
	test "$(stack_status bad)" = ROLLBACK_COMPLETE &&
	test "$(stack_param bad release)" = 1 &&
	images bad >ids &&
	test_line_count = 1 ids &&
	test "$(cat ids)" = "$(rel_field bad 1 glance_id)"
'

test_expect_success DOCKER,REGISTRY,OPENSTACK 'in gate mode a failing stack update rejects the push' '
	solum app set bad --gate &&
	before=$(git --git-dir="$SOLUM_HOME/repos/bad.git" rev-parse master) &&
	make_app bad three &&
	test_must_fail push bad &&
	test_grep "failed and was rolled back" push.out &&
	test_grep "pre-receive hook declined" push.out &&
	test "$(git --git-dir="$SOLUM_HOME/repos/bad.git" rev-parse master)" = "$before" &&
	solum app set bad --no-gate --param fail=false
'

test_expect_success DOCKER,REGISTRY,OPENSTACK 'wrong password: one clear line, nothing uploaded' '
	test_when_finished "use_cloud solum-test" &&
	use_cloud solum-badpw &&
	images web >before &&
	make_app web three &&
	push web &&
	test_grep " !     web v5 failed: keystone: authenticate as .demo. at .*: HTTP 401" push.out &&
	test_grep -v "wrong-password" push.out &&
	test_grep -v "Uploading" push.out &&
	images web >after &&
	test_cmp before after
'

test_expect_success DOCKER,REGISTRY,OPENSTACK 'Keystone down: one clear line, nothing uploaded, the stack untouched' '
	pid=$(cat "$OPENSTACK_DIR/keystone.pid") &&
	test_when_finished "\"$SOLUM_SCRIPTS/openstack.sh\" start \"$OPENSTACK_DIR\" >/dev/null" &&
	kill "$pid" &&
	test_wait_for 20 eval "! kill -0 $pid 2>/dev/null" &&
	make_app web four &&
	push web &&
	test_grep " !     web v6 failed: keystone: authenticate as .demo. at .*cannot connect" push.out &&
	test_grep -v "Uploading" push.out
'

test_expect_success DOCKER,REGISTRY,OPENSTACK 'the push after Keystone is back deploys' '
	make_app web five &&
	push web &&
	test_grep "web v7 is running at http://web.example:5000/7" push.out &&
	test "$(stack_param web release)" = 7
'

# restart_glance [CAP]: Glance again, with image_size_cap CAP when given
restart_glance() {
	local pid
	pid=$(cat "$OPENSTACK_DIR/glance.pid") &&
	kill "$pid" &&
	test_wait_for 30 eval "! kill -0 $pid 2>/dev/null" &&
	SOLUM_GLANCE_IMAGE_SIZE_CAP=${1:-} "$SOLUM_SCRIPTS/openstack.sh" start "$OPENSTACK_DIR" >/dev/null &&
	if test -n "${1:-}"; then
		grep "^image_size_cap = $1\$" "$OPENSTACK_DIR/glance-api.conf"
	fi
}

test_expect_success DOCKER,REGISTRY,OPENSTACK 'Glance behind a proxy that fails (image_endpoint_override)' '
	perl "$TEST_DIRECTORY/fault-proxy.pl" proxy.port "127.0.0.1:${GLANCE_URL##*:}" \
		proxy.mode 600 2>proxy.log &
	test_bg_register $! &&
	test_wait_for 10 test -s proxy.port &&
	sed -n "/^  solum-test:/,/^  solum-admin:/p" "$OPENSTACK_DIR/clouds.yaml" |
		sed "\$d; s/^  solum-test:/  solum-proxy:/" >>clouds.yaml &&
	echo "    image_endpoint_override: http://127.0.0.1:$(cat proxy.port)" >>clouds.yaml &&
	test_set_prereq PROXY
'

test_expect_success DOCKER,REGISTRY,OPENSTACK,PROXY 'Glance 503 or a connection cut mid-upload: a failed release, no orphan image, the stack untouched' '
	test_when_finished "use_cloud solum-test" &&
	use_cloud solum-proxy &&
	images web >before &&
	echo "status 503 0 ^PUT .*/file\$" >proxy.mode &&
	make_app web proxied-503 &&
	push web &&
	test_grep " !     web v[0-9]* failed: glance: upload web-v[0-9]*: HTTP 503: fault-proxy: injected 503" push.out &&
	echo "cut 1048576 ^PUT .*/file\$" >proxy.mode &&
	make_app web proxied-cut &&
	push web &&
	test_grep " !     web v[0-9]* failed: glance: upload web-v[0-9]*: connection cut after" push.out &&
	test_grep "stack web keeps v7, which still serves at http://web.example:5000/7" push.out &&
	test_grep "^DELETE /v2/images/.* -> " proxy.log &&
	images web >after &&
	test_cmp before after &&
	test "$(stack_param web release)" = 7
'

test_expect_success DOCKER,REGISTRY,OPENSTACK 'Glance refusing the size (413): one clear line, no orphan image, the stack untouched' '
	images web >before &&
	test_when_finished "restart_glance" &&
	restart_glance 100000 &&
	make_app web big &&
	push web &&
	test_grep " !     web v[0-9]* failed: glance: .*413" push.out &&
	images web >after &&
	test_cmp before after &&
	test "$(stack_param web release)" = 7
'

test_expect_success DOCKER,REGISTRY,OPENSTACK 'an application credential that Heat refuses: one clear line, no orphan image' '
	os_cli application credential create solum-ac -f json >ac.json &&
	secret=$(jq -r .secret ac.json) &&
	cat >>clouds.yaml <<-EOF &&
	  solum-ac:
	    auth_type: v3applicationcredential
	    auth:
	      auth_url: $KEYSTONE_URL
	      application_credential_id: $(jq -r .id ac.json)
	      application_credential_secret: $secret
	    region_name: RegionOne
	EOF
	test_when_finished "use_cloud solum-test" &&
	use_cloud solum-ac &&
	solum app create ac --template "$TEST_DIRECTORY/templates/value.yaml" &&
	make_app ac one &&
	push ac &&
	test_grep "Uploading" push.out &&
	test_grep " !     ac v1 failed: heat: .*403.*password" push.out &&
	test_grep -v -e "$secret" push.out &&
	images ac >after &&
	test_line_count = 0 after &&
	test_must_fail os_cli stack show ac
'

test_expect_success DOCKER,REGISTRY,OPENSTACK 'kill -9 before the stack update: the next command removes the orphan image' '
	images web >before &&
	make_app web six &&
	push web -o deploy=skip &&
	deploy_paused web stack &&
	images web >during &&
	test_line_count = $(( $(wc -l <before) + 1 )) during &&
	kill_hard "$DEPLOY_PID" &&
	solum releases web >rels &&
	test_grep "^v[0-9]* .*failed.*(interrupted)" rels &&
	images web >after &&
	test_cmp before after &&
	test "$(stack_param web release)" = 7
'

test_expect_success DOCKER,REGISTRY,OPENSTACK 'app delete deletes the stack and keeps the images; --purge drops them' '
	solum app delete web >del.out &&
	test_grep "deleted stack web" del.out &&
	test_must_fail os_cli stack show web &&
	images web >ids &&
	test_line_count = 3 ids &&
	solum app delete bad --purge >del.out &&
	test_grep "removed Glance image bad-v1" del.out &&
	images bad >ids &&
	test_line_count = 0 ids
'

test_done
