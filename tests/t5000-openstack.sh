#!/bin/bash
test_description='a private Keystone, Glance and Heat (scripts/openstack.sh)'
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-openstack.sh"

test_openstack_setup

# heat_call METHOD PATH [BODY-FILE]: a Heat API call as demo; the body in
# heat.out, the status on stdout.
heat_call() {
	curl -s -o heat.out -w '%{http_code}' -X "$1" \
		-H "X-Auth-Token: $OPENSTACK_TOKEN" -H 'Accept: application/json' \
		-H 'Content-Type: application/json' ${3:+--data-binary @$3} \
		"$HEAT_URL/$OPENSTACK_PROJECT_ID/stacks$2"
}

# stack_body NAME TEMPLATE PARAMS-JSON: a create or update request body
stack_body() {
	jq -n --arg name "$1" --rawfile t "$2" --argjson p "$3" \
		'{stack_name: $name, template: $t, parameters: $p,
		  timeout_mins: 5, disable_rollback: false}'
}

# stack_wait STATUS: wait (60 s at most) for the stack $STACK_ID to leave
# *_IN_PROGRESS, then check it ended in STATUS.
stack_wait() {
	local i=0 s
	while test $i -lt 120; do
		test "$(heat_call GET "/s1/$STACK_ID")" = 200 || return 1
		s=$(jq -r .stack.stack_status heat.out)
		case "$s" in
		*_IN_PROGRESS) ;;
		*) test "$s" = "$1" && return 0
		   echo >&2 "stack is $s, not $1: $(jq -r .stack.stack_status_reason heat.out)"
		   return 1 ;;
		esac
		sleep 0.5
		i=$((i + 1))
	done
	echo >&2 "stack still $s after 60s"
	return 1
}

stack_output() {
	heat_call GET "/s1/$STACK_ID" >/dev/null &&
	jq -r ".stack.outputs[] | select(.output_key == \"$1\") | .output_value" heat.out
}

test_expect_success OPENSTACK 'Keystone issues a token with the catalog' '
	jq -n --arg pw "$OPENSTACK_DEMO_PASSWORD" "{auth: {
		identity: {methods: [\"password\"], password: {user: {name: \"demo\",
			domain: {id: \"default\"}, password: \$pw}}},
		scope: {project: {name: \"demo\", domain: {id: \"default\"}}}}}" >auth.json &&
	code=$(curl -s -D headers -o token.json -w "%{http_code}" \
		-H "Content-Type: application/json" -d @auth.json \
		"$KEYSTONE_URL/auth/tokens") &&
	test "$code" = 201 &&
	test_grep -i "^x-subject-token: ." headers &&
	jq -r ".token.catalog[].type" token.json | sort >types &&
	test_grep -x image types &&
	test_grep -x orchestration types &&
	test_grep -x identity types &&
	jq -r ".token.catalog[] | select(.type == \"orchestration\") |
		.endpoints[] | select(.interface == \"public\") | .region_id" token.json >region &&
	echo RegionOne >expect &&
	test_cmp expect region
'

test_expect_success OPENSTACK 'a wrong password is 401' '
	jq ".auth.identity.password.user.password = \"nope\"" auth.json >bad.json &&
	code=$(curl -s -o /dev/null -w "%{http_code}" \
		-H "Content-Type: application/json" -d @bad.json \
		"$KEYSTONE_URL/auth/tokens") &&
	test "$code" = 401
'

test_expect_success OPENSTACK 'Glance stores an image and its sha512' '
	os_token >/dev/null &&
	head -c 3000000 /dev/urandom >blob &&
	code=$(curl -s -o image.json -w "%{http_code}" \
		-H "X-Auth-Token: $OPENSTACK_TOKEN" -H "Content-Type: application/json" \
		-d "{\"name\": \"web-1\", \"container_format\": \"docker\",
		     \"disk_format\": \"raw\", \"solum_app\": \"web\"}" \
		"$GLANCE_URL/v2/images") &&
	test "$code" = 201 &&
	id=$(jq -r .id image.json) &&
	test "$(jq -r .status image.json)" = queued &&
	code=$(curl -s -o /dev/null -w "%{http_code}" -T - \
		-H "X-Auth-Token: $OPENSTACK_TOKEN" \
		-H "Content-Type: application/octet-stream" \
		"$GLANCE_URL/v2/images/$id/file" <blob) &&
	test "$code" = 204 &&
	curl -sf -H "X-Auth-Token: $OPENSTACK_TOKEN" "$GLANCE_URL/v2/images/$id" >image.json &&
	test "$(jq -r .status image.json)" = active &&
	test "$(jq -r .os_hash_algo image.json)" = sha512 &&
	test "$(jq -r .os_hash_value image.json)" = "$(sha512sum <blob | cut -d" " -f1)" &&
	test "$(jq -r .size image.json)" = 3000000 &&
	curl -sf -H "X-Auth-Token: $OPENSTACK_TOKEN" "$GLANCE_URL/v2/images?solum_app=web" >list.json &&
	test "$(jq -r ".images[].id" list.json)" = "$id"
'

test_expect_success OPENSTACK 'Glance errors are JSON when asked for' '
	code=$(curl -s -o err.json -w "%{http_code}" \
		-H "X-Auth-Token: $OPENSTACK_TOKEN" -H "Content-Type: application/json" \
		-H "Accept: application/json" \
		-d "{\"name\": \"bad\", \"container_format\": \"docker\",
		     \"disk_format\": \"raw\", \"solum_release\": 42}" \
		"$GLANCE_URL/v2/images") &&
	test "$code" = 400 &&
	jq -e . err.json >/dev/null
'

test_expect_success OPENSTACK 'the openstack client works against the test cloud' '
	os_cli image list -f value -c Name >names &&
	test_grep -x web-1 names
'

cat >v1.yaml <<'EOT'
heat_template_version: 2018-08-31
parameters:
  release: {type: string}
resources:
  value:
    type: OS::Heat::Value
    properties: {value: {get_param: release}}
outputs:
  release: {value: {get_attr: [value, value]}}
EOT
sed 's/^resources:$/resources:\
  broken:\
    type: OS::Heat::TestResource\
    properties: {fail: true, value: x}/' v1.yaml >bad.yaml

test_expect_success OPENSTACK 'Heat creates a stack' '
	os_token >/dev/null &&
	stack_body s1 v1.yaml "{\"release\": \"1\"}" >create.json &&
	test "$(heat_call POST "" create.json)" = 201 &&
	STACK_ID=$(jq -r .stack.id heat.out) &&
	stack_wait CREATE_COMPLETE &&
	test "$(stack_output release)" = 1
'

test_expect_success OPENSTACK 'Heat updates the stack' '
	stack_body s1 v1.yaml "{\"release\": \"2\"}" >update.json &&
	test "$(heat_call PUT "/s1/$STACK_ID" update.json)" = 202 &&
	stack_wait UPDATE_COMPLETE &&
	test "$(stack_output release)" = 2
'

test_expect_success OPENSTACK 'a failing update rolls back to the old version' '
	stack_body s1 bad.yaml "{\"release\": \"3\"}" >bad.json &&
	test "$(heat_call PUT "/s1/$STACK_ID" bad.json)" = 202 &&
	stack_wait ROLLBACK_COMPLETE &&
	test "$(stack_output release)" = 2
'

test_expect_success OPENSTACK 'Heat deletes the stack' '
	test "$(heat_call DELETE "/s1/$STACK_ID")" = 204 &&
	stack_wait DELETE_COMPLETE
'

test_expect_success OPENSTACK 'stop leaves no process and no listening port' '
	test -n "$(os_dir_pids)" &&
	"$SOLUM_SCRIPTS/openstack.sh" stop "$OPENSTACK_DIR" &&
	test -z "$(os_dir_pids)" &&
	ss -Hltn >listen &&
	for p in $KEYSTONE_PORT $GLANCE_PORT $HEAT_PORT; do
		test_grep -v ":$p\$" listen || return 1
	done &&
	test_must_fail "$SOLUM_SCRIPTS/openstack.sh" status "$OPENSTACK_DIR"
'

test_expect_success OPENSTACK 'a restart keeps the users, images and ports' '
	cp "$OPENSTACK_DIR/ports" ports.before &&
	"$SOLUM_SCRIPTS/openstack.sh" start "$OPENSTACK_DIR" >/dev/null &&
	test_cmp ports.before "$OPENSTACK_DIR/ports" &&
	"$SOLUM_SCRIPTS/openstack.sh" status "$OPENSTACK_DIR" &&
	os_token >/dev/null &&
	curl -sf -H "X-Auth-Token: $OPENSTACK_TOKEN" "$GLANCE_URL/v2/images?solum_app=web" >list.json &&
	test "$(jq -r ".images[].name" list.json)" = web-1
'

test_done
