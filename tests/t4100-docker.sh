#!/bin/bash
test_description='Docker Engine client: ping, build, push, containers'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-docker.sh"

test_expect_success 'an engine that is not there is one clear line' '
	test_must_fail test-tool docker ping "unix://$TRASH_DIRECTORY/nope.sock" 2>err &&
	echo "test-tool: docker: GET /v1.41/_ping: cannot connect to unix://$TRASH_DIRECTORY/nope.sock: No such file or directory" >expect &&
	test_cmp expect err &&
	port=$(test_free_port) &&
	test_must_fail test-tool docker ping "tcp://127.0.0.1:$port" 2>err &&
	echo "test-tool: docker: GET /v1.41/_ping: cannot connect to tcp://127.0.0.1:$port: Connection refused" >expect &&
	test_cmp expect err
'

test_expect_success 'a host in the wrong syntax is refused' '
	test_must_fail test-tool docker ping "ftp://x" 2>err &&
	test_grep "expected unix:///path or tcp://host:port" err
'

test_docker_setup
test_registry_setup

test_expect_success DOCKER 'ping, by argument and by DOCKER_HOST' '
	test-tool docker ping "$DOCKER_URL" &&
	DOCKER_HOST=$DOCKER_URL test-tool docker ping ""
'

test_expect_success DOCKER 'build relays the output and gives the image id' '
	mkdir ctx &&
	cat >ctx/Dockerfile <<-\EOT &&
	FROM local/busybox
	RUN echo "hello from" "the build" && echo second line
	CMD ["sh", "-c", "exec httpd -f -p 127.0.0.1:$PORT -h /www"]
	EOT
	docker_context ctx ctx.tar &&
	test-tool docker build "$DOCKER_URL" t4100/app:1 <ctx.tar >out &&
	test_grep "^Step 2/3 : RUN echo" out &&
	test_grep "^hello from the build$" out &&
	test_grep "^second line$" out &&
	test_grep "^Successfully tagged t4100/app:1$" out &&
	tail -n 1 out | sed -n "s/^image //p" >id &&
	test_grep "^sha256:[0-9a-f]\{64\}$" id &&
	test-tool docker inspect "$DOCKER_URL" t4100/app:1 >inspect &&
	echo "id $(cat id)" >expect &&
	head -n 1 inspect >actual &&
	test_cmp expect actual
'

test_expect_success DOCKER 'a failing RUN step is the engine'"'"'s error, one line' '
	mkdir bad &&
	printf "FROM local/busybox\nRUN echo about to fail; exit 3\n" >bad/Dockerfile &&
	docker_context bad bad.tar &&
	test_must_fail test-tool docker build "$DOCKER_URL" t4100/bad:1 <bad.tar >out 2>err &&
	test_grep "^about to fail$" out &&
	echo "test-tool: The command '"'"'/bin/sh -c echo about to fail; exit 3'"'"' returned a non-zero code: 3" >expect &&
	test_cmp expect err
'

test_expect_success DOCKER 'a missing Dockerfile is an HTTP error from the engine' '
	test_must_fail test-tool docker build "$DOCKER_URL" t4100/bad:2 \
		--dockerfile nope/Dockerfile <ctx.tar 2>err &&
	test_line_count = 1 err &&
	test_grep "^test-tool: docker: build .t4100/bad:2.: HTTP [45][0-9][0-9]: .*nope/Dockerfile" err
'

test_expect_success DOCKER 'a Dockerfile elsewhere, labels, a context streamed slowly' '
	mkdir -p ctx2/deploy &&
	printf "FROM local/busybox\nCOPY data /data\nRUN cat /data\n" >ctx2/deploy/Containerfile &&
	echo payload-in-context >ctx2/data &&
	docker_context ctx2 ctx2.tar &&
	{ sleep 1; cat ctx2.tar; } |
	test-tool docker build "$DOCKER_URL" t4100/other:1 \
		--dockerfile deploy/Containerfile --label solum.app=other >out &&
	test_grep "^payload-in-context$" out
'

test_expect_success DOCKER 'an invalid name never reaches the engine' '
	test_must_fail test-tool docker inspect "$DOCKER_URL" "a?b" 2>err &&
	test_grep "invalid name" err &&
	test_must_fail test-tool docker inspect "$DOCKER_URL" no/such:image 2>err &&
	test_grep "^test-tool: docker: inspect image .no/such:image.: HTTP 404: " err
'

test_expect_success DOCKER,REGISTRY 'tag and push with the right password' '
	ref=$REGISTRY/t4100/app:1 &&
	test-tool docker tag "$DOCKER_URL" t4100/app:1 "$ref" &&
	test-tool docker push "$DOCKER_URL" "$ref" "$REGISTRY_USER" "$REGISTRY_PASSWORD" >out &&
	test_grep "Pushed" out &&
	sed -n "s/^digest //p" out >digest &&
	test_grep "^sha256:[0-9a-f]\{64\}$" digest &&
	test-tool docker inspect "$DOCKER_URL" "$ref" >inspect &&
	test_grep "^digest $REGISTRY/t4100/app@$(cat digest)$" inspect &&
	curl -sf -u "$REGISTRY_USER:$REGISTRY_PASSWORD" \
		"http://$REGISTRY/v2/t4100/app/tags/list" >tags &&
	test_grep "\"1\"" tags
'

test_expect_success DOCKER,REGISTRY 'a wrong password is a clear auth error' '
	ref=$REGISTRY/t4100/app:2 &&
	test-tool docker tag "$DOCKER_URL" t4100/app:1 "$ref" &&
	test_must_fail test-tool docker push "$DOCKER_URL" "$ref" "$REGISTRY_USER" wrong >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^test-tool: docker: push .$ref.: the registry refused the credentials of .$REGISTRY_USER.: unauthorized" err &&
	test_grep -v wrong err &&
	test_must_fail test-tool docker push "$DOCKER_URL" "$ref" 2>err &&
	test_grep "the registry wants credentials" err
'

test_expect_success DOCKER,REGISTRY 'push with the credentials of docker login' '
	mkdir -p .docker &&
	auth=$(printf "%s:%s" "$REGISTRY_USER" "$REGISTRY_PASSWORD" | base64 -w0) &&
	printf "{\"auths\":{\"http://%s\":{\"auth\":\"%s\"}}}\n" "$REGISTRY" "$auth" >.docker/config.json &&
	test-tool docker auth-config "$REGISTRY" >out &&
	printf "server %s\nusername %s\npassword-length %d\n" "$REGISTRY" \
		"$REGISTRY_USER" ${#REGISTRY_PASSWORD} >expect &&
	test_cmp expect out &&
	test-tool docker push "$DOCKER_URL" "$REGISTRY/t4100/app:2" --config >out &&
	test_grep "^digest sha256:" out &&
	test_must_fail test-tool docker auth-config 127.0.0.1:1 2>err &&
	test_grep "no entry for .127.0.0.1:1." err
'

test_expect_success DOCKER,REGISTRY 'pushing to a registry that is down fails clearly' '
	port=$(test_free_port) &&
	test-tool docker tag "$DOCKER_URL" t4100/app:1 "127.0.0.1:$port/t4100/app:1" &&
	test_must_fail test-tool docker push "$DOCKER_URL" "127.0.0.1:$port/t4100/app:1" u p 2>err &&
	test_line_count = 1 err &&
	test_grep "connection refused" err
'

test_expect_success DOCKER 'a container on 127.0.0.1 serves, stops and goes' '
	mkdir web &&
	printf "FROM local/busybox\nRUN mkdir /www && echo hello-from-busybox >/www/index.html\nCMD [\"sh\", \"-c\", \"exec httpd -f -p 127.0.0.1:\$PORT -h /www\"]\n" >web/Dockerfile &&
	docker_context web web.tar &&
	test-tool docker build "$DOCKER_URL" t4100/web:1 <web.tar >out &&
	port=$(test_free_port) &&
	test_when_finished "test-tool docker rm \"\$DOCKER_URL\" t4100-web --force || :" &&
	test-tool docker run "$DOCKER_URL" t4100-web t4100/web:1 --network host \
		--env PORT=$port --label solum.app=web --label solum.release=1 \
		--restart unless-stopped >id &&
	test_wait_for 10 curl -sf "http://127.0.0.1:$port/" &&
	curl -sf "http://127.0.0.1:$port/" >page &&
	echo hello-from-busybox >expect &&
	test_cmp expect page &&
	test-tool docker state "$DOCKER_URL" t4100-web >state &&
	test_grep "^running 1$" state &&
	test_grep "^label solum.release=1$" state &&
	test-tool docker ps "$DOCKER_URL" solum.app=web >ps &&
	echo "t4100-web running" >expect &&
	test_cmp expect ps &&
	test-tool docker ps "$DOCKER_URL" solum.app=nothing >ps &&
	! test -s ps &&
	test-tool docker stop "$DOCKER_URL" t4100-web 1 &&
	test-tool docker state "$DOCKER_URL" t4100-web >state &&
	test_grep "^running 0$" state &&
	test_must_fail curl -sf "http://127.0.0.1:$port/" &&
	test-tool docker rm "$DOCKER_URL" t4100-web &&
	test_must_fail test-tool docker rm "$DOCKER_URL" t4100-web 2>err &&
	test_grep "^test-tool: docker: remove container .t4100-web.: HTTP 404: " err
'

test_expect_success DOCKER 'container logs and exit codes' '
	test-tool docker run "$DOCKER_URL" t4100-job local/busybox -- \
		sh -c "echo out-line; echo err-line >&2; exit 7" &&
	test_when_finished "test-tool docker rm \"\$DOCKER_URL\" t4100-job --force || :" &&
	test_wait_for 10 sh -c "test-tool docker state \"\$DOCKER_URL\" t4100-job | grep -q \"^state exited\"" &&
	test-tool docker state "$DOCKER_URL" t4100-job >state &&
	test_grep "^exit 7$" state &&
	test-tool docker logs "$DOCKER_URL" t4100-job >logs &&
	test_grep "^out-line$" logs &&
	test_grep "^err-line$" logs
'

test_expect_success DOCKER 'save streams the image; remove drops it' '
	test-tool docker save "$DOCKER_URL" t4100/other:1 >image.tar &&
	tar -tf image.tar >list &&
	test_grep "^manifest.json$" list &&
	test-tool docker rmi "$DOCKER_URL" t4100/other:1 &&
	test_must_fail test-tool docker inspect "$DOCKER_URL" t4100/other:1 &&
	test_must_fail test-tool docker rmi "$DOCKER_URL" t4100/other:1 2>err &&
	test_grep "HTTP 404" err
'

test_done
