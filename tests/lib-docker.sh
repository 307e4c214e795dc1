# lib-docker.sh: a private Docker engine and registry for shell tests
#
# Source after tests/lib.sh, then call test_docker_setup (and, for pushes,
# test_registry_setup) at the top level of the script:
#
#   . ./lib.sh
#   . ./lib-docker.sh
#   test_docker_setup
#   test_registry_setup
#
# test_docker_setup skips the whole script only where this machine cannot
# run dockerd at all (not installed, not root) and says why. Otherwise it
# starts dockerd through scripts/dockerd.sh, once per test file, under the
# trash directory, imports local/busybox:latest with scripts/base-image.sh
# and sets the prerequisite DOCKER; the engine is stopped, by pid, when the
# script ends. A failure to start is a failed test, not a skip.
#
# Set afterwards:
#   DOCKER_SOCK       the engine's socket path
#   DOCKER_URL        unix://$DOCKER_SOCK (DOCKER_HOST syntax)
#   REGISTRY          127.0.0.1:PORT of the registry (htpasswd auth)
#   REGISTRY_PORT, REGISTRY_USER, REGISTRY_PASSWORD
#
# With SOLUM_TEST_DOCKER_HOST=unix:///path an engine that runs already is
# used instead of a private one (images then accumulate there).
#
# test_docker_tls_setup starts instead a private engine that also listens
# on tcp://127.0.0.1:PORT with TLS, clients verified, as `dockerd
# --tlsverify` (always a private one: a running engine has no such
# listener). It sets DOCKER_SOCK and DOCKER_URL as above, and
#   DOCKER_TLS_URL    tcp://127.0.0.1:PORT
#   DOCKER_TLS_CERTS  a DOCKER_CERT_PATH: ca.pem, cert.pem, key.pem
#   DOCKER_TLS_DIR    where the CA (ca-key.pem) and the engine's files are

SOLUM_SCRIPTS=$SOLUM_SRC/scripts

# Why this machine cannot run dockerd, or nothing if it can.
docker_cannot_run() {
	if test -n "$SOLUM_TEST_DOCKER_HOST"; then
		return 1
	fi
	if ! command -v dockerd >/dev/null 2>&1; then
		echo "dockerd is not installed (apt-get install docker.io)"
	elif test "$(id -u)" != 0; then
		echo "dockerd needs root and the tests run as $(id -un)"
	elif ! command -v curl >/dev/null 2>&1; then
		echo "curl is not installed"
	elif ! busybox_static >/dev/null; then
		echo "no static busybox for the base image (apt-get install busybox-static)"
	else
		return 1
	fi
	return 0
}

busybox_static() {
	local b
	for b in /bin/busybox /usr/bin/busybox; do
		if test -x "$b" && ! ldd "$b" >/dev/null 2>&1; then
			echo "$b"
			return 0
		fi
	done
	return 1
}

# The engine's directory: in the trash when its path is short enough for
# the unix sockets dockerd makes in it, else a short one under /tmp
# (linked from the trash) that is removed at the end.
docker_dir() {
	local d="$TRASH_DIRECTORY/dockerd"
	if test ${#d} -le 60; then
		mkdir -p "$d" && echo "$d"
		return
	fi
	d=$(mktemp -d /tmp/solum-dockerd.XXXXXX) || return 1
	ln -s "$d" "$TRASH_DIRECTORY/dockerd" || return 1
	echo "$d"
}

docker_start_() {
	local dir
	if test -n "$SOLUM_TEST_DOCKER_HOST"; then
		DOCKER_SOCK=${SOLUM_TEST_DOCKER_HOST#unix://}
		curl -sf --max-time 5 --unix-socket "$DOCKER_SOCK" http://docker/_ping >/dev/null || {
			echo >&2 "no engine answers at $SOLUM_TEST_DOCKER_HOST"
			return 1
		}
	else
		dir=$(docker_dir) || return 1
		DOCKERD_DIR=$dir
		test_atexit_run "docker_stop_"
		DOCKER_SOCK=$(SOLUM_DOCKER_PRIVATE=1 "$SOLUM_SCRIPTS/dockerd.sh" start "$dir") || {
			tail -n 20 "$dir/dockerd.log" >&2
			return 1
		}
	fi
	DOCKER_URL=unix://$DOCKER_SOCK
	export DOCKER_SOCK DOCKER_URL DOCKERD_DIR
	"$SOLUM_SCRIPTS/base-image.sh" "$DOCKER_SOCK"
}

docker_stop_() {
	test -n "$DOCKERD_DIR" || return 0
	"$SOLUM_SCRIPTS/dockerd.sh" stop "$DOCKERD_DIR"
	case "$DOCKERD_DIR" in
	/tmp/solum-dockerd.*) rm -rf "$DOCKERD_DIR" ;;
	esac
}

test_docker_setup() {
	local why
	why=$(docker_cannot_run) && skip_all "skipping Docker tests: $why"
	test_expect_success 'start a private Docker engine' '
		docker_start_ &&
		test_set_prereq DOCKER
	'
}

registry_start_() {
	REGISTRY_PORT=$(test_free_port) || return 1
	REGISTRY=127.0.0.1:$REGISTRY_PORT
	REGISTRY_USER=solum
	REGISTRY_PASSWORD=pw-$$-$RANDOM
	REGISTRY_DIR=$TRASH_DIRECTORY/registry
	export REGISTRY REGISTRY_PORT REGISTRY_USER REGISTRY_PASSWORD REGISTRY_DIR
	test_atexit_run '"$SOLUM_SCRIPTS/registry.sh" stop "$REGISTRY_DIR"'
	"$SOLUM_SCRIPTS/registry.sh" start "$REGISTRY_DIR" "$REGISTRY_PORT" \
		"$REGISTRY_USER" "$REGISTRY_PASSWORD" || {
		tail -n 20 "$REGISTRY_DIR/registry.log" >&2
		return 1
	}
}

test_registry_setup() {
	if ! command -v docker-registry >/dev/null 2>&1; then
		say_diag "docker-registry is not installed (apt-get install docker-registry): registry tests skip"
		return 0
	fi
	if ! command -v htpasswd >/dev/null 2>&1; then
		say_diag "htpasswd is not installed (apt-get install apache2-utils): registry tests skip"
		return 0
	fi
	test_expect_success 'start a private registry' '
		registry_start_ &&
		test_set_prereq REGISTRY
	'
}

# docker_context DIR OUT.tar: a build context tar of DIR, owned by root.
docker_context() {
	tar --numeric-owner --owner=0 --group=0 -C "$1" -cf "$2" .
}

# docker_tls_certs DIR: in DIR, a CA (ca.pem, ca-key.pem), a certificate
# for an engine on 127.0.0.1 (server-cert.pem, server-key.pem) and a client
# certificate (cert.pem, key.pem: the names DOCKER_CERT_PATH holds), all
# ECDSA P-256, valid for two days. Extra subjectAltNames for the engine
# may follow DIR ("DNS:localhost"). openssl's chatter goes to DIR/openssl.log.
docker_tls_certs() {
	local d=$1 san="IP:127.0.0.1" n
	shift
	for n in "$@"; do san="$san,$n"; done
	mkdir -p "$d" &&
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -keyout "$d/ca-key.pem" -out "$d/ca.pem" -days 2 \
		-subj "/CN=solum test CA $(basename "$d")" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		>>"$d/openssl.log" 2>&1 &&
	docker_tls_sign_ "$d" server "/CN=127.0.0.1" \
		"subjectAltName=$san" "extendedKeyUsage=serverAuth" &&
	docker_tls_sign_ "$d" client "/CN=solum" "extendedKeyUsage=clientAuth" &&
	mv "$d/client-cert.pem" "$d/cert.pem" &&
	mv "$d/client-key.pem" "$d/key.pem" &&
	chmod 600 "$d"/*key.pem || {
		cat "$d/openssl.log" >&2
		return 1
	}
}

# docker_tls_sign_ DIR NAME SUBJECT EXTENSION...: DIR/NAME-key.pem and
# DIR/NAME-cert.pem signed by DIR's CA.
docker_tls_sign_() {
	local d=$1 name=$2 subj=$3
	shift 3
	printf '%s\n' "$@" >"$d/$name.ext" &&
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -keyout "$d/$name-key.pem" -out "$d/$name.csr" \
		-subj "$subj" >>"$d/openssl.log" 2>&1 &&
	openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.pem" \
		-CAkey "$d/ca-key.pem" -CAcreateserial -days 2 \
		-extfile "$d/$name.ext" -out "$d/$name-cert.pem" \
		>>"$d/openssl.log" 2>&1
}

docker_tls_start_() {
	local dir
	DOCKER_TLS_DIR=$TRASH_DIRECTORY/tls
	DOCKER_TLS_CERTS=$DOCKER_TLS_DIR/client
	docker_tls_certs "$DOCKER_TLS_DIR" || return 1
	mkdir -p "$DOCKER_TLS_CERTS" &&
	cp "$DOCKER_TLS_DIR/ca.pem" "$DOCKER_TLS_DIR/cert.pem" \
		"$DOCKER_TLS_DIR/key.pem" "$DOCKER_TLS_CERTS/" || return 1
	DOCKER_TLS_PORT=$(test_free_port) || return 1
	dir=$(docker_dir) || return 1
	DOCKERD_DIR=$dir
	test_atexit_run "docker_stop_"
	DOCKER_SOCK=$(SOLUM_DOCKER_PRIVATE=1 "$SOLUM_SCRIPTS/dockerd.sh" start "$dir" -- \
		-H "tcp://127.0.0.1:$DOCKER_TLS_PORT" --tlsverify \
		--tlscacert "$DOCKER_TLS_DIR/ca.pem" \
		--tlscert "$DOCKER_TLS_DIR/server-cert.pem" \
		--tlskey "$DOCKER_TLS_DIR/server-key.pem") || {
		tail -n 20 "$dir/dockerd.log" >&2
		return 1
	}
	DOCKER_URL=unix://$DOCKER_SOCK
	DOCKER_TLS_URL=tcp://127.0.0.1:$DOCKER_TLS_PORT
	export DOCKER_SOCK DOCKER_URL DOCKERD_DIR DOCKER_TLS_URL DOCKER_TLS_CERTS \
		DOCKER_TLS_DIR DOCKER_TLS_PORT
	"$SOLUM_SCRIPTS/base-image.sh" "$DOCKER_SOCK"
}

test_docker_tls_setup() {
	local why
	why=$(SOLUM_TEST_DOCKER_HOST='' docker_cannot_run) &&
		skip_all "skipping Docker TLS tests: $why"
	command -v openssl >/dev/null 2>&1 ||
		skip_all "skipping Docker TLS tests: openssl is not installed (apt-get install openssl)"
	test_expect_success 'start a private Docker engine with a TLS listener' '
		docker_tls_start_ &&
		test_set_prereq DOCKER
	'
}
