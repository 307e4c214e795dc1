#!/bin/bash
# shellcheck disable=SC2016,SC2034
test_description='Docker engine over TCP with TLS: DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, solum.yaml'

. "$(dirname "$0")/lib.sh"
. "$TEST_DIRECTORY/lib-docker.sh"
. "$TEST_DIRECTORY/lib-deploy.sh"

test_docker_tls_setup

# tls_env DIR CMD...: CMD with the engine and the certificates in DIR from
# the environment, as the docker CLI takes them
tls_env() {
	DOCKER_HOST=$DOCKER_TLS_URL DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$1 "${@:2}"
}

# no_key_material FILE...: no line of any private key made here is in FILE
no_key_material() {
	grep -hv "^-----" "$DOCKER_TLS_DIR"/*key.pem "$DOCKER_TLS_DIR"/*/*key.pem \
		2>/dev/null >key-lines &&
	test -s key-lines &&
	! grep -F -f key-lines "$@"
}

test_expect_success DOCKER 'ping and build over TLS, from DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH' '
	tls_env "$DOCKER_TLS_CERTS" test-tool docker ping "" &&
	mkdir ctx &&
	printf "FROM local/busybox\nRUN echo built over TLS\n" >ctx/Dockerfile &&
	docker_context ctx ctx.tar &&
	tls_env "$DOCKER_TLS_CERTS" test-tool docker build "" t4120/app:1 <ctx.tar >out &&
	test_grep "^built over TLS$" out &&
	test_grep "^Successfully tagged t4120/app:1$" out &&
	tail -n 1 out | sed -n "s/^image //p" >id &&
	test-tool docker inspect "$DOCKER_URL" t4120/app:1 >inspect &&
	echo "id $(cat id)" >expect &&
	head -n 1 inspect >actual &&
	test_cmp expect actual
'

test_expect_success DOCKER 'the certificates default to ~/.docker, and tcp://HOST to port 2376' '
	test_when_finished "rm -rf \"\$HOME/.docker\"" &&
	mkdir -p "$HOME/.docker" &&
	cp "$DOCKER_TLS_CERTS"/*.pem "$HOME/.docker/" &&
	DOCKER_HOST=$DOCKER_TLS_URL DOCKER_TLS_VERIFY=1 test-tool docker ping "" &&
	test_must_fail env DOCKER_TLS_VERIFY=1 \
		test-tool docker ping tcp://127.0.0.1 2>err &&
	test_grep "tcp://127.0.0.1:2376" err
'

test_expect_success DOCKER 'without DOCKER_TLS_VERIFY tcp:// is plain HTTP, which this engine refuses' '
	test_must_fail env DOCKER_HOST=$DOCKER_TLS_URL test-tool docker ping "" 2>err &&
	echo "test-tool: docker: the engine at $DOCKER_TLS_URL wants TLS: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH (docker.tls_verify, docker.cert_path)" >expect &&
	test_cmp expect err &&
	if ! test_port_open 2375
	then
		test_must_fail env DOCKER_TLS_VERIFY= \
			test-tool docker ping tcp://127.0.0.1 2>err &&
		test_grep "tcp://127.0.0.1:2375" err
	fi
'

test_expect_success DOCKER 'an engine signed by another CA is refused in one line' '
	docker_tls_certs other &&
	mkdir wrong-ca &&
	cp other/ca.pem wrong-ca/ &&
	cp "$DOCKER_TLS_CERTS/cert.pem" "$DOCKER_TLS_CERTS/key.pem" wrong-ca/ &&
	test_must_fail tls_env "$TRASH_DIRECTORY/wrong-ca" \
		test-tool docker ping "" 2>err &&
	test_line_count = 1 err &&
	test_grep "^test-tool: docker: cannot verify the engine.s certificate at $DOCKER_TLS_URL: ." err &&
	test_must_fail tls_env "$TRASH_DIRECTORY/wrong-ca" \
		test-tool docker build "" t4120/no:1 <ctx.tar >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^test-tool: docker: cannot verify the engine.s certificate at $DOCKER_TLS_URL: ." err
'

test_expect_success DOCKER 'an engine whose certificate names another host is refused' '
	test_must_fail env DOCKER_HOST=tcp://localhost:$DOCKER_TLS_PORT \
		DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$DOCKER_TLS_CERTS \
		test-tool docker ping "" 2>err &&
	test_line_count = 1 err &&
	test_grep "^test-tool: docker: cannot verify the engine.s certificate at tcp://localhost:$DOCKER_TLS_PORT: .*localhost" err
'

test_expect_success DOCKER 'the engine refuses a client certificate of another CA' '
	mkdir wrong-client &&
	cp "$DOCKER_TLS_CERTS/ca.pem" wrong-client/ &&
	cp other/cert.pem other/key.pem wrong-client/ &&
	test_must_fail tls_env "$TRASH_DIRECTORY/wrong-client" \
		test-tool docker ping "" 2>err &&
	test_line_count = 1 err &&
	test_grep "^test-tool: docker: GET /v1.41/_ping: $DOCKER_TLS_URL closed the TLS connection before answering.* (does it trust the client certificate?)$" err &&
	test_must_fail tls_env "$TRASH_DIRECTORY/wrong-client" \
		test-tool docker build "" t4120/no:2 <ctx.tar 2>err &&
	test_line_count = 1 err &&
	test_grep "^test-tool: docker: POST /v1.41/build: .*$DOCKER_TLS_URL" err
'

test_expect_success DOCKER 'a missing certificate file is named' '
	mkdir empty &&
	test_must_fail tls_env "$TRASH_DIRECTORY/empty" \
		test-tool docker ping "" 2>err &&
	echo "test-tool: docker: TLS to $DOCKER_TLS_URL: cannot read the CA certificate '\''$TRASH_DIRECTORY/empty/ca.pem'\'': No such file or directory" >expect &&
	test_cmp expect err &&
	mkdir nokey &&
	cp "$DOCKER_TLS_CERTS/ca.pem" "$DOCKER_TLS_CERTS/cert.pem" nokey/ &&
	test_must_fail tls_env "$TRASH_DIRECTORY/nokey" \
		test-tool docker ping "" 2>err &&
	echo "test-tool: docker: TLS to $DOCKER_TLS_URL: cannot read the client key '\''$TRASH_DIRECTORY/nokey/key.pem'\'': No such file or directory" >expect &&
	test_cmp expect err &&
	test_must_fail tls_env "$TRASH_DIRECTORY/nope" \
		test-tool docker ping "" 2>err &&
	test_grep "cannot read the CA certificate .$TRASH_DIRECTORY/nope/ca.pem.: No such file" err
'

test_expect_success DOCKER 'a key that is not one is refused without showing it' '
	mkdir badkey &&
	cp "$DOCKER_TLS_CERTS/ca.pem" "$DOCKER_TLS_CERTS/cert.pem" badkey/ &&
	{
		echo "-----BEGIN PRIVATE KEY-----" &&
		echo "c2VjcmV0LWtleS1tYXRlcmlhbC10aGF0LW11c3Qtbm90LWxlYWs=" &&
		echo "-----END PRIVATE KEY-----"
	} >badkey/key.pem &&
	test_must_fail tls_env "$TRASH_DIRECTORY/badkey" \
		test-tool docker ping "" 2>err &&
	test_line_count = 1 err &&
	test_grep "^test-tool: docker: GET /v1.41/_ping: cannot use the TLS files for $DOCKER_TLS_URL: " err &&
	test_grep -v "c2VjcmV0" err
'

test_expect_success DOCKER 'no error message shows a private key' '
	no_key_material err out
'

# the solum.yaml keys, through a real push
yaml_tls() {
	sed -i -e "/^  tls_verify: /d" -e "/^  cert_path: /d" "$SOLUM_HOME/solum.yaml" &&
	if test -n "$1"; then
		sed -i "s|^  host: tcp://.*|&\n  tls_verify: 1\n  cert_path: $1|" \
			"$SOLUM_HOME/solum.yaml"
	fi
}

test_expect_success DOCKER 'setup: solum with docker.host tcp://, docker.tls_verify and docker.cert_path' '
	DOCKER_URL=$DOCKER_TLS_URL deploy_setup &&
	yaml_tls "$DOCKER_TLS_CERTS" &&
	test_grep "^  tls_verify: 1$" "$SOLUM_HOME/solum.yaml" &&
	solum app create web --health /version.txt
'

test_expect_success DOCKER 'a push builds and runs the app on the TLS engine' '
	make_app web one &&
	push web &&
	test_grep "^remote:        Step 1/" push.out &&
	test_grep "^remote: -----> web v1 is running at http://127.0.0.1:[0-9]*/" push.out &&
	curl -fsS "$(app_url)version.txt" >got &&
	echo one >expect &&
	test_cmp expect got &&
	test-tool docker ps "$DOCKER_URL" solum.app=web >ps &&
	test_grep "solum-web-v1" ps
'

test_expect_success DOCKER 'a wrong CA in solum.yaml fails the deploy with the clear line' '
	yaml_tls "$TRASH_DIRECTORY/wrong-ca" &&
	test_must_fail solum deploy web >out 2>err &&
	cat out err >all &&
	test_grep "cannot verify the engine.s certificate at $DOCKER_TLS_URL: " all &&
	no_key_material all &&
	yaml_tls "$TRASH_DIRECTORY/empty" &&
	test_must_fail solum deploy web >out 2>err &&
	cat out err >all &&
	test_grep "cannot read the CA certificate .$TRASH_DIRECTORY/empty/ca.pem." all
'

test_expect_success DOCKER 'DOCKER_TLS_VERIFY and DOCKER_CERT_PATH override solum.yaml' '
	yaml_tls "" &&
	test_must_fail solum deploy web >out 2>&1 &&
	test_grep "the engine at $DOCKER_TLS_URL wants TLS" out &&
	DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$DOCKER_TLS_CERTS solum deploy web >out &&
	test_grep "web v[0-9]* is running at" out
'

test_expect_success DOCKER 'solum sshd passes its own DOCKER_TLS_VERIFY and DOCKER_CERT_PATH to pushes' '
	kill "$SSHD_PID" && wait "$SSHD_PID" || : &&
	DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$DOCKER_TLS_CERTS solum_start_sshd &&
	sed -i "s/127.0.0.1:[0-9]*/127.0.0.1:$SSHD_PORT/" web/.git/config &&
	echo two >web/www/version.txt &&
	git -C web commit -q -am two &&
	push web &&
	test_grep "^remote: -----> web v[0-9]* is running at" push.out
'

test_done
