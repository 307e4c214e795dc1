#!/bin/bash
test_description='glance: images streamed from the engine into the real Glance, checked, found, listed, deleted; every failure leaves no image behind'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-docker.sh"
. "$TEST_DIRECTORY/lib-openstack.sh"

test_docker_setup
test_openstack_setup

# glance_api PATH: GET PATH from Glance as demo, the body on stdout
glance_api() {
	curl -sf -H "X-Auth-Token: $OPENSTACK_TOKEN" \
		-H 'Accept: application/json' "$GLANCE_URL$1"
}

# no_images_but IDS...: Glance has no image of app web but these
no_images_but() {
	glance_api '/v2/images?solum_app=web&limit=1000' >images.json &&
	jq -r '.images[].id' images.json | sort >actual &&
	printf '%s\n' "$@" | sed '/^$/d' | sort >expect &&
	test_cmp expect actual
}

# glance_restart [CAP]: Glance again, with image_size_cap CAP if given
glance_restart() {
	local pid i=0
	pid=$(cat "$OPENSTACK_DIR/glance.pid") &&
	kill "$pid" &&
	while kill -0 "$pid" 2>/dev/null && test $i -lt 100; do
		sleep 0.1
		i=$((i + 1))
	done &&
	! kill -0 "$pid" 2>/dev/null &&
	SOLUM_GLANCE_IMAGE_SIZE_CAP=$1 \
		"$SOLUM_SCRIPTS/openstack.sh" start "$OPENSTACK_DIR" >/dev/null
}

upload() {
	test-tool glance solum-test "$@"
}

test_expect_success DOCKER,OPENSTACK 'an image of 24 MiB in the engine' '
	os_token >/dev/null &&
	mkdir ctx &&
	head -c $((24 * 1024 * 1024)) /dev/urandom >ctx/data &&
	printf "FROM local/busybox:latest\nCOPY data /data\n" >ctx/Dockerfile &&
	docker_context ctx ctx.tar &&
	test-tool docker build "$DOCKER_URL" t5200/app:1 <ctx.tar >build.out &&
	curl -sf --unix-socket "$DOCKER_SOCK" \
		http://docker/v1.41/images/t5200/app:1/get >saved.tar &&
	sha512sum <saved.tar | cut -d" " -f1 >saved.sha512 &&
	wc -c <saved.tar | tr -d " " >saved.size &&
	test "$(cat saved.size)" -gt $((24 * 1024 * 1024))
'

test_expect_success DOCKER,OPENSTACK 'upload: streamed, hashed, checked against Glance' '
	upload --interval 0 upload "$DOCKER_URL" t5200/app:1 web-v1 --app web \
		--release 1 --digest sha256:d1 --commit c1 --tree t1 \
		>out 2>progress &&
	sed -n "s/^id: //p" out >id1 &&
	test_grep "^[0-9a-f-]\{36\}$" id1 &&
	echo "bytes: $(cat saved.size)" >expect &&
	test_grep "^bytes: " out >actual &&
	test_cmp expect actual &&
	echo "sha512: $(cat saved.sha512)" >expect &&
	test_grep "^sha512: " out >actual &&
	test_cmp expect actual &&
	test_grep "^ *uploading to Glance: [0-9]* MiB" progress &&
	test_grep "^ *uploaded to Glance: [0-9.]* MiB in [0-9.]* s, [0-9]* MiB/s$" progress &&
	test_grep -v "$OPENSTACK_DEMO_PASSWORD" out progress
'

test_expect_success DOCKER,OPENSTACK 'Glance has the same bytes and the properties as strings' '
	glance_api "/v2/images/$(cat id1)" >image.json &&
	jq -r "[.status, .size, .os_hash_algo, .os_hash_value, .container_format,
		.disk_format, .name] | join(\" \")" image.json >actual &&
	echo "active $(cat saved.size) sha512 $(cat saved.sha512) docker raw web-v1" >expect &&
	test_cmp expect actual &&
	jq -r "[.solum_app, .solum_release, .solum_commit, .solum_tree,
		.solum_digest] | map(type + \"=\" + .) | join(\" \")" image.json >actual &&
	echo "string=web string=1 string=c1 string=t1 string=sha256:d1" >expect &&
	test_cmp expect actual
'

test_expect_success DOCKER,OPENSTACK 'find by digest, list newest first, get' '
	upload upload "$DOCKER_URL" t5200/app:1 web-v2 --app web --release 2 \
		--digest sha256:d2 >out 2>progress &&
	sed -n "s/^id: //p" out >id2 &&
	upload find web sha256:d1 >actual &&
	test_cmp id1 actual &&
	upload find web sha256:d2 >actual &&
	test_cmp id2 actual &&
	test_expect_code 1 upload find web sha256:none >actual &&
	echo none >expect &&
	test_cmp expect actual &&
	test_expect_code 1 upload find other sha256:d1 &&
	upload list web >list &&
	cat >expect <<-EOF &&
	$(cat id2) web-v2 active $(cat saved.size) 2 sha256:d2
	$(cat id1) web-v1 active $(cat saved.size) 1 sha256:d1
	EOF
	test_cmp expect list &&
	upload list nothing-here >list &&
	test_line_count = 0 list &&
	upload get "$(cat id1)" >get &&
	test_grep "^os_hash_value: $(cat saved.sha512)$" get
'

test_expect_success DOCKER,OPENSTACK 'delete; deleting again is success' '
	upload delete "$(cat id2)" &&
	upload delete "$(cat id2)" &&
	no_images_but "$(cat id1)" &&
	test_must_fail upload get "$(cat id2)" 2>err &&
	test_grep "^test-tool: glance: get image $(cat id2): HTTP 404: " err
'

test_expect_success DOCKER,OPENSTACK 'a list that takes pages: the next links are followed' '
	for i in 1 2 3; do
		curl -sf -o /dev/null -X POST -H "X-Auth-Token: $OPENSTACK_TOKEN" \
			-H "Content-Type: application/json" \
			-d "{\"name\": \"page-$i\", \"solum_app\": \"paged\"}" \
			"$GLANCE_URL/v2/images" || return 1
	done &&
	upload list paged >list &&
	test_line_count = 3 list
'

test_expect_success DOCKER,OPENSTACK 'the engine has no such image: one line, nothing in Glance' '
	test_must_fail upload upload "$DOCKER_URL" t5200/none:1 web-v3 --app web \
		--release 3 --digest sha256:d3 >out 2>err &&
	echo "test-tool: glance: upload web-v3: docker: inspect image '\''t5200/none:1'\'': HTTP 404: no such image: t5200/none:1: No such image: t5200/none:1" >expect &&
	test_cmp expect err &&
	no_images_but "$(cat id1)"
'

test_expect_success DOCKER,OPENSTACK 'Glance refuses the size (413): its reason, and the image is deleted' '
	test_when_finished "glance_restart" &&
	glance_restart 1048576 &&
	test_must_fail upload upload "$DOCKER_URL" t5200/app:1 web-v4 --app web \
		--release 4 --digest sha256:d4 >out 2>err &&
	test_grep "^test-tool: glance: upload web-v4: HTTP 413: .*too large" err &&
	test_line_count = 1 <(grep "^test-tool:" err) &&
	no_images_but "$(cat id1)"
'

test_expect_success OPENSTACK 'a fault-injecting proxy in front of Glance' '
	perl "$TEST_DIRECTORY/fault-proxy.pl" proxy.port "127.0.0.1:${GLANCE_URL##*:}" \
		proxy.mode 600 2>proxy.log &
	test_bg_register $! &&
	test_wait_for 10 test -s proxy.port &&
	PROXY=http://127.0.0.1:$(cat proxy.port) &&
	upload --glance-url "$PROXY" list web >list &&
	test_line_count = 1 list &&
	test_set_prereq PROXY
'

test_expect_success DOCKER,PROXY 'Glance answers 500 after 1 MiB: its message, and the image is deleted' '
	echo "status 500 1048576 ^PUT .*/file\$" >proxy.mode &&
	test_must_fail upload --glance-url "$PROXY" upload "$DOCKER_URL" \
		t5200/app:1 web-v5 --app web --release 5 --digest sha256:d5 \
		>out 2>err &&
	echo "test-tool: glance: upload web-v5: HTTP 500: fault-proxy: injected 500" >expect &&
	grep -v "^ *uploading to Glance: " err >actual &&
	test_cmp expect actual &&
	test_grep "^DELETE /v2/images/.* -> done" proxy.log &&
	no_images_but "$(cat id1)"
'

test_expect_success DOCKER,PROXY 'Glance answers 503 at once' '
	echo "status 503 0 ^PUT .*/file\$" >proxy.mode &&
	test_must_fail upload --glance-url "$PROXY" upload "$DOCKER_URL" \
		t5200/app:1 web-v6 --app web --release 6 --digest sha256:d6 \
		>out 2>err &&
	echo "test-tool: glance: upload web-v6: HTTP 503: fault-proxy: injected 503" >expect &&
	grep -v "^ *uploading to Glance: " err >actual &&
	test_cmp expect actual &&
	no_images_but "$(cat id1)"
'

test_expect_success DOCKER,PROXY 'the connection is cut after 5 MiB: said so, and the image is deleted' '
	echo "cut 5242880 ^PUT .*/file\$" >proxy.mode &&
	test_must_fail upload --glance-url "$PROXY" upload "$DOCKER_URL" \
		t5200/app:1 web-v7 --app web --release 7 --digest sha256:d7 \
		>out 2>err &&
	test_grep "^test-tool: glance: upload web-v7: connection cut after [0-9]* MiB: PUT /v2/images/[0-9a-f-]*/file: connection to $PROXY broken" err &&
	test_line_count = 1 <(grep "^test-tool:" err) &&
	test_grep "^PUT /v2/images/.*/file -> cut$" proxy.log &&
	no_images_but "$(cat id1)"
'

test_expect_success DOCKER,PROXY 'pass-through: an upload through the proxy works' '
	echo pass >proxy.mode &&
	upload --glance-url "$PROXY" upload "$DOCKER_URL" t5200/app:1 web-v8 \
		--app web --release 8 --digest sha256:d8 >out 2>err &&
	sed -n "s/^id: //p" out >id8 &&
	no_images_but "$(cat id1)" "$(cat id8)"
'

test_expect_success DOCKER,PROXY 'Glance reports another sha512: the mismatch, and the image is deleted' '
	echo "badhash ^GET /v2/images/[0-9a-f-]*\$" >proxy.mode &&
	test_must_fail upload --glance-url "$PROXY" upload "$DOCKER_URL" \
		t5200/app:1 web-v12 --app web --release 12 --digest sha256:d12 \
		>out 2>err &&
	sha=$(cat saved.sha512) &&
	test_grep "^test-tool: glance: upload web-v12: sha512 mismatch: Glance has [0-9a-f]\{12\}\.\.\., solum sent ${sha%${sha#????????????}}\.\.\.$" err &&
	echo pass >proxy.mode &&
	no_images_but "$(cat id1)" "$(cat id8)"
'

test_expect_success DOCKER,PROXY 'cancelled while Glance takes nothing: the image is deleted' '
	echo "stall 20 ^PUT .*/file\$" >proxy.mode &&
	test_must_fail upload --glance-url "$PROXY" --interval 200 \
		--cancel-after 4 upload "$DOCKER_URL" t5200/app:1 web-v10 \
		--app web --release 10 --digest sha256:d10 >out 2>err &&
	test_grep "^PUT /v2/images/.*/file -> stalled$" proxy.log &&
	test_grep "^test-tool: glance: upload web-v10: cancelled after [0-9]* MiB$" err &&
	test_grep "^DELETE /v2/images/" proxy.log &&
	echo pass >proxy.mode &&
	no_images_but "$(cat id1)" "$(cat id8)"
'

test_expect_success DOCKER,OPENSTACK 'the engine fails halfway: its error, and the image is deleted' '
	perl "$TEST_DIRECTORY/fault-proxy.pl" engine.port "unix:$DOCKER_SOCK" \
		engine.mode 600 2>engine.log &
	test_bg_register $! &&
	test_wait_for 10 test -s engine.port &&
	ENGINE=tcp://127.0.0.1:$(cat engine.port) &&
	echo "cutanswer 5242880 ^GET .*/images/.*/get\$" >engine.mode &&
	test_must_fail upload upload "$ENGINE" t5200/app:1 web-v11 --app web \
		--release 11 --digest sha256:d11 >out 2>err &&
	test_grep "^GET /v1.41/images/t5200/app:1/get -> cut$" engine.log &&
	test_grep "^test-tool: glance: upload web-v11: docker: GET /v1.41/images/t5200/app:1/get: connection to $ENGINE broken before the response was complete" err &&
	test_line_count = 1 <(grep "^test-tool:" err) &&
	no_images_but "$(cat id1)" "$(cat id8)"
'

test_expect_success DOCKER,OPENSTACK 'Glance down: the error names it' '
	port=$(test_free_port) &&
	test_must_fail upload --glance-url http://127.0.0.1:$port list web 2>err &&
	echo "test-tool: glance: list the images of web: GET /v2/images: cannot connect to http://127.0.0.1:$port: Connection refused" >expect &&
	test_cmp expect err
'

test_expect_success DOCKER,OPENSTACK 'Keystone down: the error names it' '
	port=$(test_free_port) &&
	sed "s|127.0.0.1:${KEYSTONE_URL#http://127.0.0.1:}|127.0.0.1:$port/v3|; s|auth_url: http://127.0.0.1:[0-9]*|auth_url: http://127.0.0.1:$port|" \
		"$OS_CLIENT_CONFIG_FILE" >down.yaml &&
	OS_CLIENT_CONFIG_FILE=$PWD/down.yaml test_must_fail upload upload \
		"$DOCKER_URL" t5200/app:1 web-v9 --app web --release 9 \
		--digest sha256:d9 2>err &&
	test_grep "^test-tool: keystone: authenticate as .* at http://127.0.0.1:$port/v3: POST /auth/tokens: cannot connect to http://127.0.0.1:$port/v3: Connection refused$" err &&
	test_grep -v "$OPENSTACK_DEMO_PASSWORD" err
'

test_done
