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
# server's user_data takes an admin token (os_admin_token; Nova's default
# policy) and microversion 2.3 (X-OpenStack-Nova-API-Version: 2.3).
#
# The openstack client takes seconds to start: tests read and change state
# through curl and jq (the os_stack_* and os_image_ids helpers below).
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
# os_admin_token        the same for admin on project admin; sets
#                       OPENSTACK_ADMIN_TOKEN
#
# Heat and Glance through curl, as demo (each takes a token with os_token
# first when OPENSTACK_TOKEN is not set; call os_token at the top level of a
# test for the token to be kept):
# os_stack_show STACK           Heat's GET of the stack, the body on stdout
# os_stack_status STACK         its stack_status on stdout
# os_stack_create STACK TEMPLATE [NAME=VALUE...]   POST, no wait; Heat's
#                               error body on stderr when it refuses
# os_stack_update STACK [NAME=VALUE...]   PATCH (the template and the other
#                               parameters kept), no wait
# os_stack_wait STACK           poll until the stack is no longer
#                               *_IN_PROGRESS (bounded), its status on stdout
# os_stack_delete STACK...      DELETE each, then os_stack_wait_gone each
# os_stack_wait_gone STACK      poll until Heat no longer has the stack
#                               (bounded; fails on DELETE_FAILED)
# os_stack_names                the names of demo's stacks, one a line
# os_image_ids [NAME=VALUE...]  the ids of the Glance images demo sees that
#                               have those properties, one a line

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

# os_dir_pids: pids of processes whose command line names $OPENSTACK_DIR
os_dir_pids() {
	local p
	for p in /proc/[0-9]*; do
		tr "\0" " " 2>/dev/null <"$p/cmdline" | grep -qF -- "$OPENSTACK_DIR/" &&
			echo "${p#/proc/}"
	done
	return 0
}

os_cli() { /usr/bin/openstack --os-cloud solum-test "$@"; }
os_admin_cli() { /usr/bin/openstack --os-cloud solum-admin "$@"; }

# os_token_ USER PASSWORD PROJECT: a project-scoped token on stdout; the
# token's body in $TRASH_DIRECTORY/.os-token.json
os_token_() {
	local h t
	h=$(jq -n --arg u "$1" --arg pw "$2" --arg p "$3" '{auth: {
		identity: {methods: ["password"], password: {user: {name: $u,
			domain: {id: "default"}, password: $pw}}},
		scope: {project: {name: $p, domain: {id: "default"}}}}}' |
		curl -sf -D - -o "$TRASH_DIRECTORY/.os-token.json" \
			-H 'Content-Type: application/json' -d @- \
			"$KEYSTONE_URL/auth/tokens") || return 1
	t=$(printf '%s\n' "$h" | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: *\([^[:space:]]*\).*/\1/p')
	test -n "$t" && echo "$t"
}

# os_token: a token of demo on project demo.
os_token() {
	OPENSTACK_TOKEN=$(os_token_ demo "$OPENSTACK_DEMO_PASSWORD" demo) ||
		return 1
	OPENSTACK_PROJECT_ID=$(jq -r .token.project.id "$TRASH_DIRECTORY/.os-token.json")
	test -n "$OPENSTACK_PROJECT_ID" || return 1
	export OPENSTACK_TOKEN OPENSTACK_PROJECT_ID
	echo "$OPENSTACK_TOKEN"
}

# os_admin_token: a token of admin on project admin.
os_admin_token() {
	OPENSTACK_ADMIN_TOKEN=$(os_token_ admin \
		"$(sed -n 's/^ADMIN_PASSWORD=//p' "$OPENSTACK_DIR/passwords")" admin) ||
		return 1
	export OPENSTACK_ADMIN_TOKEN
	echo "$OPENSTACK_ADMIN_TOKEN"
}

os_have_token_() { test -n "$OPENSTACK_TOKEN" || os_token >/dev/null; }

# os_heat_ METHOD PATH [CURL ARGS...]: Heat's API as demo at
# $HEAT_URL/PROJECT/PATH, redirects followed, the body on stdout; fails on
# an HTTP error, the body then on stderr
os_heat_() {
	local m=$1 path=$2 out code
	shift 2
	os_have_token_ || return 1
	out=$TRASH_DIRECTORY/.os-heat.out
	code=$(curl -sL -o "$out" -w '%{http_code}' -X "$m" \
		-H "X-Auth-Token: $OPENSTACK_TOKEN" -H 'Accept: application/json' \
		"$@" "$HEAT_URL/$OPENSTACK_PROJECT_ID/$path") || return 1
	case "$code" in
	2??) cat "$out" ;;
	*) echo "HTTP $code" >&2; cat "$out" >&2; return 1 ;;
	esac
}

# os_params_ NAME=VALUE...: a JSON object of them
os_params_() {
	jq -n '[$ARGS.positional[] | index("=") as $i |
		{key: .[:$i], value: .[$i + 1:]}] | from_entries' --args "$@"
}

os_stack_show() { os_heat_ GET "stacks/$1"; }

# os_stack_path_ STACK: stacks/NAME/ID (Heat answers other methods than GET
# on stacks/NAME with a redirect too, which curl would follow as a GET)
os_stack_path_() {
	local j
	j=$(os_stack_show "$1") || return 1
	printf '%s\n' "$j" | jq -r '"stacks/" + .stack.stack_name + "/" + .stack.id'
}

os_stack_status() {
	local j
	j=$(os_stack_show "$1") || return 1
	printf '%s\n' "$j" | jq -r .stack.stack_status
}

os_stack_create() {
	local name=$1 tmpl=$2
	shift 2
	os_params_ "$@" | jq --arg n "$name" --rawfile t "$tmpl" \
		'{stack_name: $n, template: $t, parameters: .}' |
		os_heat_ POST stacks -H 'Content-Type: application/json' \
			-d @- >/dev/null
}

os_stack_update() {
	local path
	path=$(os_stack_path_ "$1") || return 1
	shift
	os_params_ "$@" | jq '{parameters: .}' |
		os_heat_ PATCH "$path" -H 'Content-Type: application/json' \
			-d @- >/dev/null
}

os_stack_wait() {
	local s i=0
	while :; do
		s=$(os_stack_status "$1") || return 1
		case "$s" in
		*_IN_PROGRESS) ;;
		*) echo "$s"; return 0 ;;
		esac
		i=$((i + 1))
		test $i -lt 1200 || { echo "stack $1 still $s" >&2; return 1; }
		sleep 0.25
	done
}

os_stack_delete() {
	local s path
	for s; do
		path=$(os_stack_path_ "$s") &&
		os_heat_ DELETE "$path" >/dev/null || return 1
	done
	for s; do
		os_stack_wait_gone "$s" || return 1
	done
}

os_stack_wait_gone() {
	local s i=0
	while s=$(os_stack_status "$1" 2>/dev/null); do
		case "$s" in
		DELETE_FAILED) echo "stack $1: $s" >&2; return 1 ;;
		DELETE_COMPLETE) return 0 ;;
		esac
		i=$((i + 1))
		test $i -lt 1200 || { echo "stack $1 still $s" >&2; return 1; }
		sleep 0.25
	done
	# gone: Heat answers 404
	os_heat_ GET "stacks/$1" 2>&1 >/dev/null | grep -q '^HTTP 404$'
}

os_stack_names() {
	local j
	j=$(os_heat_ GET stacks) || return 1
	printf '%s\n' "$j" | jq -r '.stacks[].stack_name'
}

os_image_ids() {
	local q j
	os_have_token_ || return 1
	q=$(os_params_ "$@" | jq -r 'to_entries | map("&" + (.key | @uri) +
		"=" + (.value | @uri)) | join("")') || return 1
	j=$(curl -sf -H "X-Auth-Token: $OPENSTACK_TOKEN" \
		"$GLANCE_URL/v2/images?limit=1000$q") || return 1
	printf '%s\n' "$j" | jq -r '.images[].id'
}
