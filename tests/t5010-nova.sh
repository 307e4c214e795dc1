#!/bin/bash
test_description='Heat stacks of Nova servers on Nova'\''s fake driver (openstack.sh --nova)'
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-openstack.sh"

test_openstack_setup --nova

TEMPLATES=$SOLUM_SRC/templates
DIGEST=127.0.0.1:5000/web@sha256:$(printf web | sha256sum | cut -d" " -f1)

# stack_get NAME: the stack (Heat's GET, as demo) in stack.json
stack_get() {
	os_token >/dev/null &&
	curl -sfL -o stack.json -H "X-Auth-Token: $OPENSTACK_TOKEN" \
		-H "Accept: application/json" \
		"$HEAT_URL/$OPENSTACK_PROJECT_ID/stacks/$1"
}

# stack_status NAME: the stack's status on stdout
stack_status() { stack_get "$1" && jq -r .stack.stack_status stack.json; }

# stack_output NAME KEY: an output's value on stdout
stack_output() {
	stack_get "$1" &&
	jq -r --arg k "$2" '.stack.outputs[] | select(.output_key == $k) |
		.output_value' stack.json
}

# nova_get PATH: a compute API GET as demo, the body on stdout
nova_get() {
	curl -sf -H "X-Auth-Token: $OPENSTACK_TOKEN" \
		-H "X-OpenStack-Nova-API-Version: 2.37" "$NOVA_URL$1"
}

# server_user_data ID: the server's user_data, decoded (reading it takes
# admin under Nova's default policy, and microversion 2.3)
server_user_data() {
	os_admin_cli --os-compute-api-version 2.3 server show --fit-width \
		-f json "$1" >server.json &&
	jq -r '."OS-EXT-SRV-ATTR:user_data"' server.json | base64 -d
}

test_expect_success OPENSTACK 'the catalog has compute, placement and network; Nova has flavors' '
	os_token >/dev/null &&
	nova_get /flavors >flavors.json &&
	jq -r ".flavors[].name" flavors.json | sort >names &&
	printf "m1.%s\n" large medium small tiny >expect &&
	test_cmp expect names &&
	curl -sf -H "X-Auth-Token: $OPENSTACK_TOKEN" "$NEUTRON_URL/v2.0/networks" >nets.json &&
	jq -e ".networks == []" nets.json &&
	curl -sf "$PLACEMENT_URL/" >placement.json &&
	jq -e ".versions[0].id" placement.json
'

test_expect_success OPENSTACK 'Glance takes an image of container format docker' '
	head -c 4096 /dev/urandom >app.tar &&
	os_cli image create --container-format docker --disk-format raw \
		--file app.tar -f json web-1 >image.json &&
	GLANCE_IMAGE=$(jq -r .id image.json) &&
	os_cli image show -f json "$GLANCE_IMAGE" >image.json &&
	test "$(jq -r .status image.json)" = active &&
	test "$(jq -r .container_format image.json)" = docker &&
	test "$(jq -r .size image.json)" = 4096
'

test_expect_success OPENSTACK 'nova-glance.yaml: a server that boots the Glance image' '
	os_cli stack create -t "$TEMPLATES/nova-glance.yaml" \
		--parameter glance_image="$GLANCE_IMAGE" \
		--parameter image="$DIGEST" --parameter app_name=web \
		--parameter release=1 --parameter commit=c1 \
		--wait ng >/dev/null &&
	test "$(stack_status ng)" = CREATE_COMPLETE &&
	SERVER=$(stack_output ng server_id) &&
	nova_get "/servers/$SERVER" >server.json &&
	test "$(jq -r .server.image.id server.json)" = "$GLANCE_IMAGE" &&
	test "$(jq -r .server.status server.json)" = ACTIVE &&
	test "$(jq -r .server.name server.json)" = web-1 &&
	test "$(jq -r .server.metadata.solum_release server.json)" = 1 &&
	test "$(stack_output ng url)" = http://web-1:5000/ &&
	server_user_data "$SERVER" >user_data &&
	test_grep -x "glance_image=$GLANCE_IMAGE" user_data &&
	test_grep -x "image=$DIGEST" user_data
'

test_expect_success OPENSTACK 'a new release replaces the server' '
	os_cli stack update --existing --parameter release=2 \
		--parameter commit=c2 --wait ng >/dev/null &&
	test "$(stack_status ng)" = UPDATE_COMPLETE &&
	NEW=$(stack_output ng server_id) &&
	test "$NEW" != "$SERVER" &&
	nova_get "/servers/$NEW" >server.json &&
	test "$(jq -r .server.metadata.solum_release server.json)" = 2 &&
	test "$(jq -r .server.image.id server.json)" = "$GLANCE_IMAGE" &&
	nova_get /servers >servers.json &&
	jq -r ".servers[].id" servers.json >ids &&
	echo "$NEW" >expect &&
	test_cmp expect ids
'

test_expect_success OPENSTACK 'server-docker.yaml: a server that runs the image by digest' '
	head -c 4096 /dev/urandom >disk.raw &&
	os_cli image create --container-format bare --disk-format raw \
		--file disk.raw -f json docker-host >cloud.json &&
	CLOUD_IMAGE=$(jq -r .id cloud.json) &&
	os_cli stack create -t "$TEMPLATES/server-docker.yaml" \
		--parameter image="$DIGEST" --parameter app_name=api \
		--parameter release=7 --parameter port=8080 \
		--parameter server_image="$CLOUD_IMAGE" \
		--parameter registry=127.0.0.1:5000 \
		--parameter registry_username=solum \
		--parameter registry_password=s3cret \
		--wait sd >/dev/null &&
	test "$(stack_status sd)" = CREATE_COMPLETE &&
	SERVER=$(stack_output sd server_id) &&
	nova_get "/servers/$SERVER" >server.json &&
	test "$(jq -r .server.image.id server.json)" = "$CLOUD_IMAGE" &&
	test "$(stack_output sd url)" = http://api-7:8080/ &&
	server_user_data "$SERVER" >user_data &&
	test_grep -x "image=.$DIGEST." user_data &&
	test_grep "docker login --username .solum." user_data &&
	test_grep -x s3cret user_data &&
	test_grep -F -x "  -p \"\$port:\$port\" -e \"PORT=\$port\" \"\$image\"" user_data &&
	stack_get sd &&
	test_grep -v s3cret stack.json
'

test_expect_success OPENSTACK 'server-docker.yaml refuses values that would need quoting in user_data' '
	test_must_fail os_cli stack create -t "$TEMPLATES/server-docker.yaml" \
		--parameter image="$DIGEST'\''; reboot" --parameter app_name=api \
		--parameter server_image="$CLOUD_IMAGE" sd-bad 2>err &&
	test_grep "allowed_pattern\|does not match pattern" err &&
	test_must_fail os_cli stack create -t "$TEMPLATES/server-docker.yaml" \
		--parameter image="$DIGEST" --parameter app_name=api \
		--parameter registry_username="a b" \
		--parameter server_image="$CLOUD_IMAGE" sd-bad 2>err &&
	test_grep "does not match pattern" err
'

test_expect_success OPENSTACK 'a new image replaces the server-docker server' '
	os_cli stack update --existing --parameter release=8 \
		--parameter image="${DIGEST%:*}:$(printf v8 | sha256sum | cut -d" " -f1)" \
		--wait sd >/dev/null &&
	test "$(stack_status sd)" = UPDATE_COMPLETE &&
	NEW=$(stack_output sd server_id) &&
	test "$NEW" != "$SERVER" &&
	server_user_data "$NEW" >user_data &&
	test_grep "release 8" user_data
'

test_expect_success OPENSTACK 'deleting the stacks leaves no server' '
	os_cli stack delete --yes --wait ng sd >/dev/null &&
	os_cli stack list -f value -c "Stack Name" >stacks &&
	test ! -s stacks &&
	nova_get /servers >servers.json &&
	jq -e ".servers == []" servers.json
'

# pids of processes whose command line names $OPENSTACK_DIR
os_dir_pids() {
	local p
	for p in /proc/[0-9]*; do
		tr "\0" " " 2>/dev/null <"$p/cmdline" | grep -qF -- "$OPENSTACK_DIR/" &&
			echo "${p#/proc/}"
	done
	return 0
}

test_expect_success OPENSTACK 'stop leaves no process and no listening port' '
	cat "$OPENSTACK_DIR"/*.pid >pids &&
	test_line_count = 6 pids &&
	"$SOLUM_SCRIPTS/openstack.sh" stop "$OPENSTACK_DIR" &&
	while read -r pid; do
		test_must_fail kill -0 "$pid" 2>/dev/null || return 1
	done <pids &&
	test -z "$(os_dir_pids)" &&
	ss -Hltn >listen &&
	for p in $KEYSTONE_PORT $GLANCE_PORT $HEAT_PORT $PLACEMENT_PORT \
		$NEUTRON_PORT $NOVA_PORT; do
		test_grep -v ":$p\$" listen || return 1
	done &&
	test_must_fail "$SOLUM_SCRIPTS/openstack.sh" status "$OPENSTACK_DIR"
'

test_expect_success OPENSTACK 'a restart keeps Nova, its flavors and images, and serves again' '
	cp "$OPENSTACK_DIR/ports" ports.before &&
	"$SOLUM_SCRIPTS/openstack.sh" start "$OPENSTACK_DIR" >/dev/null &&
	test_cmp ports.before "$OPENSTACK_DIR/ports" &&
	"$SOLUM_SCRIPTS/openstack.sh" status "$OPENSTACK_DIR" >status &&
	test_line_count = 6 status &&
	os_token >/dev/null &&
	nova_get /flavors >flavors.json &&
	test "$(jq ".flavors | length" flavors.json)" = 4 &&
	os_cli stack create -t "$TEMPLATES/nova-glance.yaml" \
		--parameter glance_image="$GLANCE_IMAGE" --parameter app_name=web \
		--parameter release=3 --wait ng2 >/dev/null &&
	test "$(stack_status ng2)" = CREATE_COMPLETE &&
	os_cli stack delete --yes --wait ng2 >/dev/null
'

test_done
