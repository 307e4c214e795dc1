# openstack-nova.sh: sourced by openstack.sh; Placement, Neutron and Nova
#
# What `openstack.sh start DIR --nova` adds to Keystone, Glance and Heat:
#   Placement  uwsgi with Debian's placement-api, DIR/placement/placement.conf,
#              DIR/placement.db
#   Neutron    uwsgi with scripts/neutron-api.py (Debian has no WSGI entry
#              point), DIR/neutron.conf, DIR/neutron.db: the API only, ML2
#              with no mechanism drivers, flat networks, the router plugin.
#              Nova asks it on every server GET and delete even when servers
#              have no network, so it must answer.
#   Nova       scripts/nova-fake.py: API, conductor, scheduler and compute
#              with the fake driver in one process on one fake:// transport;
#              DIR/nova.conf, DIR/nova_api.db, DIR/nova.db (cell1),
#              DIR/nova_cell0.db, DIR/nova/ (state), flavors m1.tiny to
#              m1.large. Servers boot at once and run nothing.
# Uses openstack.sh's dir, scripts, py, the *_PORT and *_PASSWORD variables
# and its helpers (authtoken, run, wal, spawn, running_pid, wait_up).

nova_installed() {
	command -v placement-manage >/dev/null &&
	"$py" -c 'import importlib.util as u, sys
sys.exit(not all(u.find_spec(m) for m in ("nova", "placement", "neutron")))'
}

nova_configs() {
	local ks=http://127.0.0.1:$KEYSTONE_PORT
	mkdir -p "$dir/placement" "$dir/neutron" "$dir/nova/instances"

	# client SECTION: a service's credentials for calls to another
	client() {
		cat <<EOC
[$1]
auth_type = password
auth_url = $ks
username = nova
password = $SERVICE_PASSWORD
user_domain_name = Default
project_name = service
project_domain_name = Default
region_name = RegionOne
valid_interfaces = public
EOC
	}

	{
		cat <<EOC
[DEFAULT]
log_file = $dir/log/placement.log
[placement_database]
connection = sqlite:///$dir/placement.db
[api]
auth_strategy = keystone
[oslo_concurrency]
lock_path = $dir/lock
EOC
		authtoken placement placement
	} >"$dir/placement/placement.conf"

	{
		cat <<EOC
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $NEUTRON_PORT
core_plugin = ml2
service_plugins = router
auth_strategy = keystone
transport_url = fake://
api_paste_config = $scripts/neutron-api-paste.ini
state_path = $dir/neutron
log_file = $dir/log/neutron.log
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
dhcp_agent_notification = false
[database]
connection = sqlite:///$dir/neutron.db
[ml2]
type_drivers = flat
tenant_network_types =
mechanism_drivers =
extension_drivers = port_security
[ml2_type_flat]
flat_networks = *
[oslo_messaging_notifications]
driver = noop
[oslo_concurrency]
lock_path = $dir/lock
EOC
		authtoken network neutron
	} >"$dir/neutron.conf"

	{
		cat <<EOC
[DEFAULT]
host = solum-fake
compute_driver = fake.FakeDriver
transport_url = fake://
state_path = $dir/nova
instances_path = $dir/nova/instances
log_file = $dir/log/nova.log
my_ip = 127.0.0.1
enabled_apis = osapi_compute
osapi_compute_listen = 127.0.0.1
osapi_compute_listen_port = $NOVA_PORT
osapi_compute_workers = 1
graceful_shutdown_timeout = 2
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = $scripts/nova-api-paste.ini
[api_database]
connection = sqlite:///$dir/nova_api.db
[database]
connection = sqlite:///$dir/nova.db
[scheduler]
discover_hosts_in_cells_interval = -1
[glance]
region_name = RegionOne
valid_interfaces = public
[oslo_messaging_notifications]
driver = noop
[oslo_concurrency]
lock_path = $dir/lock
EOC
		client placement
		client neutron
		authtoken compute nova
	} >"$dir/nova.conf"
}

placement_setup() {
	[ -f "$dir/placement.ready" ] && return 0
	run placement placement-manage \
		--config-file "$dir/placement/placement.conf" db sync &&
	run placement wal "$dir/placement.db" &&
	touch "$dir/placement.ready"
}

placement_start() {
	running_pid placement >/dev/null && return 0
	uwsgi_args "$PLACEMENT_PORT"
	spawn placement "${uwsgi_args[@]}" --wsgi-file /usr/bin/placement-api \
		--env "OS_PLACEMENT_CONFIG_DIR=$dir/placement"
}

neutron_setup() {
	[ -f "$dir/neutron.ready" ] && return 0
	run neutron "$py" "$scripts/neutron-api.py" db-setup \
		"$dir/neutron.conf" &&
	run neutron wal "$dir/neutron.db" &&
	touch "$dir/neutron.ready"
}

neutron_start() {
	running_pid neutron >/dev/null && return 0
	uwsgi_args "$NEUTRON_PORT"
	spawn neutron "${uwsgi_args[@]}" --wsgi-file "$scripts/neutron-api.py" \
		--env "OS_NEUTRON_CONFIG_FILES=$dir/neutron.conf"
}

# The cells' databases, their mappings and the flavors.
nova_setup() {
	local db
	[ -f "$dir/nova.ready" ] && return 0
	run nova "$py" "$scripts/nova-fake.py" setup \
		--config-file "$dir/nova.conf" || return 1
	for db in nova_api nova nova_cell0; do
		run nova wal "$dir/$db.db" || return 1
	done
	touch "$dir/nova.ready"
}

# token USER PASSWORD PROJECT: a token on stdout.
token() {
	curl -s -D - -o /dev/null --max-time 20 \
		-H 'Content-Type: application/json' -d @- \
		"http://127.0.0.1:$KEYSTONE_PORT/v3/auth/tokens" <<EOJ |
{"auth": {"identity": {"methods": ["password"], "password": {"user":
 {"name": "$1", "domain": {"id": "default"}, "password": "$2"}}},
 "scope": {"project": {"name": "$3", "domain": {"id": "default"}}}}}
EOJ
	sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: *\([^[:space:]]*\).*/\1/p'
}

# A fresh Neutron answers its first listing of ports with a 500: take that
# one here rather than in Nova's first server GET.
neutron_warm_up() {
	local t p
	t=$(token neutron "$SERVICE_PASSWORD" service)
	[ -n "$t" ] || { echo "openstack.sh: no token for neutron" >&2; return 1; }
	for p in networks ports; do
		curl -s -o /dev/null --max-time 30 -H "X-Auth-Token: $t" \
			"http://127.0.0.1:$NEUTRON_PORT/v2.0/$p" || true
	done
}

nova_start() {
	running_pid nova >/dev/null && return 0
	rm -f "$dir/nova/compute.ready"
	spawn nova "$py" "$scripts/nova-fake.py" run \
		--config-file "$dir/nova.conf"
}

# wait_compute: wait until nova-fake.py has mapped its compute host (only
# then can servers be scheduled).
wait_compute() {
	local i=0 pid
	pid=$(cat "$dir/nova.pid")
	while [ $i -lt $((SOLUM_OPENSTACK_WAIT * 5)) ]; do
		[ -f "$dir/nova/compute.ready" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
		i=$((i + 1))
	done
	echo "openstack.sh: Nova's compute host is not mapped; last lines of $dir/log/nova.log:" >&2
	tail -n 15 "$dir/log/nova.log" >&2 || true
	return 1
}
