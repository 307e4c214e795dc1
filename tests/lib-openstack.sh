# lib-openstack.sh: a private Keystone, Glance and Heat for shell tests
#
# Source after tests/lib.sh, then call test_openstack_setup at the top level
# of the script:
#
#   . "$(dirname "$0")/lib.sh"
#   . "$TEST_DIRECTORY/lib-openstack.sh"
#   test_openstack_setup [--nova]
#
# test_openstack_setup skips the whole script only where this machine cannot
# run the services at all (packages not installed) and says why. Otherwise
# it starts them through scripts/openstack.sh, once per test file, in
# $TRASH_DIRECTORY/openstack (no unix sockets there, so the path length does
# not matter), and sets the prerequisite OPENSTACK; everything is stopped,
# by pid, when the script ends. A failure to start is a failed test.
# --nova is passed on to openstack.sh: Placement, a bare Neutron API and
# Nova with its fake driver as well (servers boot from Glance images at
# once and run nothing; no networks: use allocate_network none). Reading a
# server's user_data takes os_admin_cli (Nova's default policy) and
# --os-compute-api-version 2.3.
#
# Set afterwards (and exported):
#   OPENSTACK_DIR          the services' directory (logs in log/ there)
#   OS_CLIENT_CONFIG_FILE  $OPENSTACK_DIR/clouds.yaml: clouds solum-test (user
#                          and project demo) and solum-admin
#   OS_CLOUD               solum-test
#   KEYSTONE_URL           http://127.0.0.1:PORT/v3
#   GLANCE_URL             http://127.0.0.1:PORT (add /v2/...)
#   HEAT_URL               http://127.0.0.1:PORT/v1 (add /PROJECT/stacks)
#   NOVA_URL, PLACEMENT_URL, NEUTRON_URL  with --nova
#   OPENSTACK_DEMO_PASSWORD  the demo user's password
#
# os_cli ARGS...        the openstack client as demo (cloud solum-test)
# os_admin_cli ARGS...  the same as admin (cloud solum-admin)
# os_token              a demo token on stdout; sets OPENSTACK_TOKEN and
#                       OPENSTACK_PROJECT_ID (not OS_TOKEN: the openstack
#                       client would take that up)

SOLUM_SCRIPTS=$SOLUM_SRC/scripts

# The developer's own OS_* settings must not reach the test cloud's clients.
unset $(env | sed -n 's/^\(OS_[A-Za-z0-9_]*\)=.*/\1/p')

# Why this machine cannot run the services, or nothing if it can.
openstack_cannot_run() {
	local c
	for c in keystone-manage glance-api heat-all uwsgi /usr/bin/openstack \
		curl jq; do
		if ! command -v "$c" >/dev/null 2>&1; then
			echo "$c is not installed (scripts/deps.sh)"
			return 0
		fi
	done
	if test ! -f /usr/lib/uwsgi/plugins/python3_plugin.so; then
		echo "uwsgi's python3 plugin is not installed (uwsgi-plugin-python3)"
	elif test "$1" = --nova && ! /usr/bin/python3 -c 'import nova, placement, neutron' 2>/dev/null; then
		echo "Nova, Placement or Neutron is not installed (python3-nova python3-placement python3-neutron)"
	else
		return 1
	fi
	return 0
}

openstack_start_() {
	OPENSTACK_DIR=$TRASH_DIRECTORY/openstack
	test_atexit_run '"$SOLUM_SCRIPTS/openstack.sh" stop "$OPENSTACK_DIR"'
	"$SOLUM_SCRIPTS/openstack.sh" start "$OPENSTACK_DIR" "$@" >/dev/null || return 1
	. "$OPENSTACK_DIR/ports" || return 1
	OPENSTACK_DEMO_PASSWORD=$(sed -n 's/^DEMO_PASSWORD=//p' "$OPENSTACK_DIR/passwords")
	OS_CLIENT_CONFIG_FILE=$OPENSTACK_DIR/clouds.yaml
	OS_CLOUD=solum-test
	KEYSTONE_URL=http://127.0.0.1:$KEYSTONE_PORT/v3
	GLANCE_URL=http://127.0.0.1:$GLANCE_PORT
	HEAT_URL=http://127.0.0.1:$HEAT_PORT/v1
	export OPENSTACK_DIR OS_CLIENT_CONFIG_FILE OS_CLOUD KEYSTONE_URL GLANCE_URL \
		HEAT_URL OPENSTACK_DEMO_PASSWORD
	if test "$1" = --nova; then
		NOVA_URL=http://127.0.0.1:$NOVA_PORT/v2.1
		PLACEMENT_URL=http://127.0.0.1:$PLACEMENT_PORT
		NEUTRON_URL=http://127.0.0.1:$NEUTRON_PORT
		export NOVA_URL PLACEMENT_URL NEUTRON_URL
	fi
}

test_openstack_setup() {
	local why
	why=$(openstack_cannot_run "$@") && skip_all "skipping OpenStack tests: $why"
	OPENSTACK_START_ARGS="$*"
	test_expect_success "start a private OpenStack $*" '
		openstack_start_ $OPENSTACK_START_ARGS &&
		test_set_prereq OPENSTACK
	'
}

os_cli() { /usr/bin/openstack --os-cloud solum-test "$@"; }
os_admin_cli() { /usr/bin/openstack --os-cloud solum-admin "$@"; }

# os_token: a token of demo on project demo.
os_token() {
	local h
	h=$(jq -n --arg pw "$OPENSTACK_DEMO_PASSWORD" '{auth: {
		identity: {methods: ["password"], password: {user: {name: "demo",
			domain: {id: "default"}, password: $pw}}},
		scope: {project: {name: "demo", domain: {id: "default"}}}}}' |
		curl -sf -D - -o "$TRASH_DIRECTORY/.os-token.json" \
			-H 'Content-Type: application/json' -d @- \
			"$KEYSTONE_URL/auth/tokens") || return 1
	OPENSTACK_TOKEN=$(printf '%s\n' "$h" | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: *\([^[:space:]]*\).*/\1/p')
	OPENSTACK_PROJECT_ID=$(jq -r .token.project.id "$TRASH_DIRECTORY/.os-token.json")
	test -n "$OPENSTACK_TOKEN" && test -n "$OPENSTACK_PROJECT_ID" || return 1
	export OPENSTACK_TOKEN OPENSTACK_PROJECT_ID
	echo "$OPENSTACK_TOKEN"
}
