#!/bin/bash
test_description='Heat stacks of Nova servers on Nova'\''s fake driver (openstack.sh --nova)'
. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-docker.sh"
. "$TEST_DIRECTORY/lib-deploy.sh"
. "$TEST_DIRECTORY/lib-openstack.sh"

test_openstack_setup --nova
test_docker_setup
test_registry_setup

TEMPLATES=$SOLUM_SRC/templates
DIGEST=127.0.0.1:5000/web@sha256:$(printf web | sha256sum | cut -d" " -f1)

# stack_get NAME: the stack (Heat's GET, as demo) in stack.json
stack_get() { os_stack_show "$1" >stack.json; }

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
	os_admin_token >/dev/null &&
	curl -sf -o server.json -H "X-Auth-Token: $OPENSTACK_ADMIN_TOKEN" \
		-H "X-OpenStack-Nova-API-Version: 2.3" "$NOVA_URL/servers/$1" &&
	jq -e -r '.server."OS-EXT-SRV-ATTR:user_data"' server.json | base64 -d
}

# image_create NAME CONTAINER_FORMAT FILE: a raw image of FILE in Glance
# (created, then its data uploaded), its id on stdout
image_create() {
	local id
	id=$(jq -n --arg n "$1" --arg c "$2" \
		'{name: $n, container_format: $c, disk_format: "raw"}' |
		curl -sf -H "X-Auth-Token: $OPENSTACK_TOKEN" \
			-H "Content-Type: application/json" -d @- \
			"$GLANCE_URL/v2/images" | jq -r .id) &&
	test -n "$id" &&
	curl -sf -X PUT -H "X-Auth-Token: $OPENSTACK_TOKEN" \
		-H "Content-Type: application/octet-stream" --data-binary "@$3" \
		"$GLANCE_URL/v2/images/$id/file" &&
	echo "$id"
}

# image_get ID: the image (Glance's GET) on stdout
image_get() {
	curl -sf -H "X-Auth-Token: $OPENSTACK_TOKEN" "$GLANCE_URL/v2/images/$1"
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
	GLANCE_IMAGE=$(image_create web-1 docker app.tar) &&
	image_get "$GLANCE_IMAGE" >image.json &&
	test "$(jq -r .status image.json)" = active &&
	test "$(jq -r .container_format image.json)" = docker &&
	test "$(jq -r .size image.json)" = 4096
'

test_expect_success OPENSTACK 'nova-glance.yaml: a server that boots the Glance image' '
	os_stack_create ng "$TEMPLATES/nova-glance.yaml" \
		glance_image="$GLANCE_IMAGE" image="$DIGEST" app_name=web \
		release=1 commit=c1 &&
	test "$(os_stack_wait ng)" = CREATE_COMPLETE &&
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
	os_stack_update ng release=2 commit=c2 &&
	test "$(os_stack_wait ng)" = UPDATE_COMPLETE &&
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
	CLOUD_IMAGE=$(image_create docker-host bare disk.raw) &&
	os_stack_create sd "$TEMPLATES/server-docker.yaml" \
		image="$DIGEST" app_name=api release=7 port=8080 \
		server_image="$CLOUD_IMAGE" registry=127.0.0.1:5000 \
		registry_username=solum registry_password=s3cret &&
	test "$(os_stack_wait sd)" = CREATE_COMPLETE &&
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
	test_must_fail os_stack_create sd-bad "$TEMPLATES/server-docker.yaml" \
		image="$DIGEST'\''; reboot" app_name=api \
		server_image="$CLOUD_IMAGE" 2>err &&
	test_grep "^HTTP 400$" err &&
	test_grep "allowed_pattern\|does not match pattern" err &&
	test_must_fail os_stack_create sd-bad "$TEMPLATES/server-docker.yaml" \
		image="$DIGEST" app_name=api registry_username="a b" \
		server_image="$CLOUD_IMAGE" 2>err &&
	test_grep "^HTTP 400$" err &&
	test_grep "does not match pattern" err &&
	os_stack_names >stacks &&
	test_grep -v -x sd-bad stacks
'

test_expect_success OPENSTACK 'a new image replaces the server-docker server' '
	os_stack_update sd release=8 \
		image="${DIGEST%:*}:$(printf v8 | sha256sum | cut -d" " -f1)" &&
	test "$(os_stack_wait sd)" = UPDATE_COMPLETE &&
	NEW=$(stack_output sd server_id) &&
	test "$NEW" != "$SERVER" &&
	server_user_data "$NEW" >user_data &&
	test_grep "release 8" user_data
'

test_expect_success DOCKER,REGISTRY,OPENSTACK 'a push to an app on nova-glance.yaml boots its Glance image on Nova' '
	deploy_setup &&
	printf "openstack:\n  cloud: solum-test\n" >>"$SOLUM_HOME/solum.yaml" &&
	solum app create srv --template nova-glance &&
	make_app srv one &&
	push srv &&
	test_grep "heat: server CREATE_COMPLETE" push.out &&
	test_grep "srv v1 is running at http://" push.out &&
	solum releases srv --json >rel.json &&
	jq -r ".[0].glance_id" rel.json >expect &&
	digest=$(jq -r ".[0].digest" rel.json) &&
	server=$(stack_output srv server_id) &&
	nova_get "/servers/$server" | jq -r .server.image.id >got &&
	test_cmp expect got &&
	server_user_data "$server" >user_data &&
	test_grep "image=$REGISTRY/srv@$digest" user_data &&
	test_grep "glance_image=$(cat expect)" user_data &&
	solum app delete srv --purge >del.out &&
	test_grep "deleted stack srv" del.out
'

test_expect_success OPENSTACK 'deleting the stacks leaves no server' '
	os_stack_delete ng sd &&
	os_stack_names >stacks &&
	test ! -s stacks &&
	nova_get /servers >servers.json &&
	jq -e ".servers == []" servers.json
'

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
	os_stack_create ng2 "$TEMPLATES/nova-glance.yaml" \
		glance_image="$GLANCE_IMAGE" app_name=web release=3 &&
	test "$(os_stack_wait ng2)" = CREATE_COMPLETE &&
	os_stack_delete ng2
'

test_done
