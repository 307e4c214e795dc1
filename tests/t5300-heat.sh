#!/bin/bash
test_description='heat: stacks created, updated, rolled back, cancelled and deleted in the real Heat'
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-openstack.sh"

test_openstack_setup

T=$TEST_DIRECTORY/templates
SECRET=tok-s3cret-42
VALUE="--param image=img@sha256:1 --param app_name=web --param commit=c0ffee --param token=$SECRET"

# A stack whose actions take as long as asked (seconds).
cat >slow.yaml <<'EOT'
heat_template_version: 2018-08-31
parameters:
  release: {type: string}
  create_wait: {type: number, default: 0}
  update_wait: {type: number, default: 0}
resources:
  worker:
    type: OS::Heat::TestResource
    properties:
      value: {get_param: release}
      action_wait_secs:
        create: {get_param: create_wait}
        update: {get_param: update_wait}
outputs:
  url:
    value:
      str_replace:
        template: http://slow.example/R
        params: {R: {get_attr: [worker, output]}}
EOT

# A template that shows a hidden value in an output, and whose number
# parameter echoes what it was given in Heat's error.
cat >leak.yaml <<'EOT'
heat_template_version: 2018-08-31
parameters:
  password: {type: string, hidden: true}
  count: {type: number, default: 1}
resources:
  v:
    type: OS::Heat::Value
    properties: {value: {get_param: password}}
outputs:
  shown: {value: {list_join: [' ', ['pw is', {get_param: password}]]}}
  doc: {value: {pw: {get_param: password}, n: {get_param: count}}}
EOT

# stack_field STACK FIELD: a field of the stack as Heat shows it (the
# stack in show.json)
stack_field() {
	os_stack_show "$1" >stack.json &&
	jq .stack stack.json >show.json &&
	jq -r ".$2" show.json
}

# stack_output STACK KEY: an output's value
stack_output() {
	os_stack_show "$1" >stack.json &&
	jq -e -r --arg k "$2" '.stack.outputs[] | select(.output_key == $k) |
		.output_value' stack.json
}

# stack_absent STACK: Heat answers 404 for the stack
stack_absent() {
	test_must_fail os_stack_show "$1" 2>absent.err &&
	test_grep "^HTTP 404$" absent.err
}

test_expect_success OPENSTACK 'create: events as they happen, then the outputs' '
	test-tool heat solum-test deploy web $T/value.yaml $VALUE \
		--param release=1 >out 2>err &&
	test_grep "^  heat: web CREATE_IN_PROGRESS: Stack CREATE started$" out &&
	test_grep "^  heat: echo CREATE_IN_PROGRESS$" out &&
	test_grep "^  heat: echo CREATE_COMPLETE$" out &&
	test_grep "^  heat: web CREATE_COMPLETE: Stack CREATE completed successfully$" out &&
	test_grep "^  heat: output url = http://web.example:5000/1$" out &&
	test_grep "^  heat: output echo = {.*\"release\":\"1\"" out &&
	test_grep "^status: CREATE_COMPLETE$" out &&
	test_grep "^created: 1$" out &&
	test_grep "^url: http://web.example:5000/1$" out &&
	test $(grep -c "echo CREATE_COMPLETE" out) = 1 &&
	test ! -s err &&
	test "$(stack_field web stack_status)" = CREATE_COMPLETE
'

test_expect_success OPENSTACK 'update: only the new events, the new outputs' '
	test-tool heat solum-test deploy web $T/value.yaml $VALUE \
		--param release=2 --param greeting=hi >out &&
	test_grep "^  heat: web UPDATE_IN_PROGRESS: Stack UPDATE started$" out &&
	test_grep "^  heat: web UPDATE_COMPLETE: Stack UPDATE completed successfully$" out &&
	test_grep -v "CREATE_" out &&
	test_grep "^  heat: output url = http://web.example:5000/2$" out &&
	test_grep "^  heat: output echo = {.*\"greeting\":\"hi\"" out &&
	test_grep "^status: UPDATE_COMPLETE$" out &&
	test_grep "^created: 0$" out &&
	test "$(stack_output web url)" = http://web.example:5000/2
'

test_expect_success OPENSTACK 'hidden values are never shown, even when Heat echoes them' '
	test-tool heat solum-test deploy web $T/value.yaml $VALUE \
		--param release=3 >out 2>&1 &&
	test_grep -v "$SECRET" out &&
	test-tool heat solum-test deploy leak leak.yaml \
		--param password=pw-s3cret-7 >out 2>&1 &&
	test_grep "^  heat: output shown = pw is \*\*\*\*\*\*$" out &&
	test_grep "^  heat: output doc = {.*\"pw\":\"\*\*\*\*\*\*\"" out &&
	test_grep -v "pw-s3cret-7" out &&
	test_must_fail test-tool heat solum-test deploy leak leak.yaml \
		--param password=pw-s3cret-7 --param count=nan-s3cret-8 \
		--hidden count >out 2>&1 &&
	test_grep "^test-tool: heat: update stack '\''leak'\'': HTTP 400: " out &&
	test_grep -v "s3cret-[78]" out
'

test_expect_success OPENSTACK 'a failing update: one line naming the resource, the old version kept' '
	test-tool heat solum-test deploy fail $T/fail-update.yaml \
		--param image=i --param release=1 >out &&
	test_grep "^status: CREATE_COMPLETE$" out &&
	test_must_fail test-tool heat solum-test deploy fail \
		$T/fail-update.yaml --param image=i --param release=2 \
		--param fail=true >out 2>err &&
	echo "test-tool: heat: update of stack '\''fail'\'' failed and was rolled back, the previous version still runs: failing: ValueError: resources.failing: Test Resource failed failing" >expect &&
	test_cmp expect err &&
	test_grep "^  heat: failing CREATE_FAILED: ValueError: resources.failing: Test Resource failed failing$" out &&
	test_grep "^  heat: fail ROLLBACK_COMPLETE" out &&
	test_grep "^status: ROLLBACK_COMPLETE$" out &&
	test_grep -v "^  heat: output" out &&
	test "$(stack_field fail stack_status)" = ROLLBACK_COMPLETE &&
	test "$(jq -r .parameters.release show.json)" = 1 &&
	test "$(stack_output fail url)" = http://fail.example/1
'

test_expect_success OPENSTACK 'a missing required parameter: Heat says which, nothing is created' '
	test_must_fail test-tool heat solum-test deploy req $T/required.yaml \
		--param image=i --param db_password=db-s3cret-9 >out 2>err &&
	echo "test-tool: heat: create stack '\''req'\'': HTTP 400: The Parameter (db_host) was not provided." >expect &&
	test_cmp expect err &&
	test_grep -v "db-s3cret-9" out &&
	stack_absent req
'

test_expect_success OPENSTACK 'an update while another runs waits for it, with progress lines' '
	test-tool heat solum-test deploy slow slow.yaml --param release=1 >out &&
	test_grep "^status: CREATE_COMPLETE$" out &&
	os_stack_update slow release=2 update_wait=8 &&
	test "$(stack_field slow stack_status)" = UPDATE_IN_PROGRESS &&
	start=$(date +%s) &&
	test-tool heat solum-test deploy slow slow.yaml --param release=3 \
		--interval 1500 >out &&
	test $(($(date +%s) - start)) -ge 3 &&
	test_grep "^  heat: stack '\''slow'\'' is busy (UPDATE_IN_PROGRESS), waiting for it$" out &&
	test_grep "^       \.\.\. still deploying the stack ([0-9]*s)$" out &&
	test_grep "^status: UPDATE_COMPLETE$" out &&
	test_grep "^  heat: output url = http://slow.example/3$" out
'

test_expect_success OPENSTACK 'cancel during an update: cancelled in Heat, rolled back' '
	test-tool heat solum-test deploy slow slow.yaml --param release=4 \
		--param update_wait=6 >out 2>err &
	pid=$! &&
	test_wait_for 20 grep "^  heat: worker UPDATE_IN_PROGRESS" out &&
	kill -TERM $pid &&
	test_expect_code 1 wait $pid &&
	echo "test-tool: cancelled" >expect &&
	test_cmp expect err &&
	test_grep "^  heat: cancelled: cancelling the update of stack '\''slow'\''$" out &&
	test_grep "^  heat: stack '\''slow'\'' is ROLLBACK_COMPLETE$" out &&
	test "$(stack_field slow stack_status)" = ROLLBACK_COMPLETE &&
	test "$(stack_output slow url)" = http://slow.example/3
'

test_expect_success OPENSTACK 'cancel during a create: the new stack is deleted' '
	test-tool heat solum-test deploy slowc slow.yaml --param release=1 \
		--param create_wait=6 >out 2>err &
	pid=$! &&
	test_wait_for 20 grep "^  heat: worker CREATE_IN_PROGRESS" out &&
	kill -TERM $pid &&
	test_expect_code 1 wait $pid &&
	echo "test-tool: cancelled" >expect &&
	test_cmp expect err &&
	test_grep "^  heat: stack '\''slowc'\'' deleted$" out &&
	stack_absent slowc
'

test_expect_success OPENSTACK 'delete: events, then gone; a missing stack is fine' '
	test-tool heat solum-test delete web >out &&
	test_grep "^  heat: web DELETE_IN_PROGRESS" out &&
	test_grep "^deleted: web$" out &&
	test_must_fail test-tool heat solum-test get web 2>err &&
	echo "test-tool: heat: stack '\''web'\'' not found" >expect &&
	test_cmp expect err &&
	test-tool heat solum-test delete web >out &&
	test_grep "^deleted: web$" out
'

test_expect_success OPENSTACK 'an application credential: a clear line, not a bare 403' '
	os_cli application credential create solum-ac -f json >ac.json &&
	cat >ac-clouds.yaml <<-EOF &&
	clouds:
	  ac:
	    auth_type: v3applicationcredential
	    auth:
	      auth_url: $KEYSTONE_URL
	      application_credential_id: $(jq -r .id ac.json)
	      application_credential_secret: $(jq -r .secret ac.json)
	    region_name: RegionOne
	EOF
	OS_CLIENT_CONFIG_FILE=$PWD/ac-clouds.yaml \
		test_must_fail test-tool heat ac deploy acstack $T/value.yaml \
		$VALUE --param release=1 >out 2>err &&
	echo "test-tool: heat: create stack '\''acstack'\'': HTTP 403: Heat cannot create a trust with a token of an application credential; use auth_type password for cloud '\''ac'\'' in clouds.yaml (the only other way: the operator sets keystone'\''s insecure allow_insecure_application_credential_trust_escalation)" >expect &&
	test_cmp expect err &&
	test_grep -v "$(jq -r .secret ac.json)" out err
'

test_expect_success OPENSTACK 'Keystone down: one clear line' '
	port=$(test_free_port) &&
	sed "s|auth_url: .*|auth_url: http://127.0.0.1:$port/v3|" \
		"$OS_CLIENT_CONFIG_FILE" >down.yaml &&
	OS_CLIENT_CONFIG_FILE=$PWD/down.yaml \
		test_must_fail test-tool heat solum-test get web >out 2>err &&
	echo "test-tool: keystone: authenticate as '\''demo'\'' at http://127.0.0.1:$port/v3: POST /auth/tokens: cannot connect to http://127.0.0.1:$port/v3: Connection refused" >expect &&
	test_cmp expect err
'

test_done
