#!/usr/bin/python3
# nova-fake.py: Nova with its fake driver, API and services in one process
#
#   /usr/bin/python3 scripts/nova-fake.py setup --config-file DIR/nova.conf
#   /usr/bin/python3 scripts/nova-fake.py run --config-file DIR/nova.conf
#
# Run by scripts/openstack.sh start DIR --nova. Debian's python3-nova has no
# nova-api command and no api-paste.ini, and the conductor, scheduler and
# compute services would need a message queue between them: this runs the
# four in one process on one fake:// transport, as Nova's functional tests
# do.
#
# "setup" does what nova-manage would (api_db sync, cell_v2 map_cell0,
# create_cell "cell1" on fake://, db sync) and creates the m1.* flavors;
# each step leaves what exists alone.
#
# "run" serves the compute API ([DEFAULT] osapi_compute_listen and _port,
# the paste file of [wsgi] api_paste_config) with the conductor, the
# scheduler and nova-compute ([DEFAULT] compute_driver). Nova opens a second
# transport for the cell's transport_url, and a second fake:// is a bus of
# its own (casts to compute would be lost): every transport asked for is
# the one of [DEFAULT] transport_url. Once the compute node is in the cell
# database its host is mapped (cell_v2 discover_hosts), and once it is in
# Placement with its inventory the file [DEFAULT] state_path/compute.ready
# is written: the services can then place servers.
import nova.monkey_patch  # noqa: F401 (eventlet first, as nova's commands)

import os
import sys
import time

import eventlet
from oslo_log import log as logging
from oslo_service import service as os_service

from nova.cmd import manage
from nova.compute import rpcapi as compute_rpcapi
from nova.conductor import rpcapi as conductor_rpcapi
import nova.conf
from nova import config
from nova import context
from nova import exception
from nova import objects
from nova.objects import host_mapping
from nova import rpc
from nova.scheduler.client import report
from nova.scheduler import rpcapi as scheduler_rpcapi
from nova import service

CONF = nova.conf.CONF
LOG = logging.getLogger("nova-fake")

# name, memory MiB, vCPUs, root disk GiB: OpenStack's usual m1 set
FLAVORS = [
    ("m1.tiny", 512, 1, 1),
    ("m1.small", 2048, 1, 20),
    ("m1.medium", 4096, 2, 40),
    ("m1.large", 8192, 4, 80),
]


def cell0_connection():
    url = CONF.database.connection
    if not url.startswith("sqlite:///") or not url.endswith(".db"):
        sys.exit("nova-fake: [database] connection must be sqlite:///….db")
    return url[:-len(".db")] + "_cell0.db"


def setup():
    ctxt = context.get_admin_context()
    cells = manage.CellV2Commands()
    if manage.ApiDbCommands().sync() not in (None, 0):
        sys.exit("nova-fake: api_db sync failed")
    if cells.map_cell0(database_connection=cell0_connection()) != 0:
        sys.exit("nova-fake: cell_v2 map_cell0 failed")
    if not [c for c in objects.CellMappingList.get_all(ctxt)
            if c.name == "cell1"]:
        if cells.create_cell(name="cell1", transport_url=CONF.transport_url,
                             database_connection=CONF.database.connection):
            sys.exit("nova-fake: cell_v2 create_cell failed")
    if manage.DbCommands().sync() not in (None, 0):
        sys.exit("nova-fake: db sync failed")
    for name, ram, vcpus, disk in FLAVORS:
        try:
            objects.Flavor.get_by_name(ctxt, name)
        except exception.FlavorNotFoundByName:
            objects.Flavor(ctxt, name=name, memory_mb=ram, vcpus=vcpus,
                           root_gb=disk, ephemeral_gb=0, swap=0,
                           flavorid=name, is_public=True).create()


def placed(ctxt, placement):
    """Whether Placement has the compute node with its VCPU inventory."""
    try:
        rp = placement.get_provider_by_name(ctxt, CONF.host)
    except exception.ResourceProviderNotFound:
        return False
    inv = placement._get_inventory(ctxt, rp["uuid"]) or {}
    return "VCPU" in inv.get("inventories", {})


def discover(ready):
    """Map the compute host once its node exists in the cell and in
    Placement (the fake driver's node is named after the host); then write
    READY."""
    ctxt = context.get_admin_context()
    placement = report.SchedulerReportClient()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            host_mapping.discover_hosts(ctxt)
            objects.HostMapping.get_by_host(ctxt, CONF.host)
            if not placed(ctxt, placement):
                eventlet.sleep(0.5)
                continue
        except exception.HostMappingNotFound:
            eventlet.sleep(0.5)
            continue
        except Exception:
            LOG.exception("discover_hosts")
            eventlet.sleep(1)
            continue
        with open(ready + ".new", "w") as f:
            f.write(CONF.host + "\n")
        os.rename(ready + ".new", ready)
        LOG.info("host %s mapped to its cell", CONF.host)
        return
    LOG.error("host %s was not mapped within 120 s", CONF.host)


def run():
    if not CONF.transport_url or not CONF.transport_url.startswith("fake:"):
        sys.exit("nova-fake: [DEFAULT] transport_url must be fake://")
    one = rpc.TRANSPORT
    rpc.create_transport = lambda url: one
    ready = os.path.join(CONF.state_path, "compute.ready")
    if os.path.exists(ready):
        os.unlink(ready)

    launcher = os_service.ServiceLauncher(CONF, restart_method="mutate")
    for binary, topic in (("nova-conductor", conductor_rpcapi.RPC_TOPIC),
                          ("nova-scheduler", scheduler_rpcapi.RPC_TOPIC),
                          ("nova-compute", compute_rpcapi.RPC_TOPIC)):
        launcher.launch_service(service.Service.create(binary=binary,
                                                       topic=topic))
    launcher.launch_service(service.WSGIService("osapi_compute"))
    eventlet.spawn_n(discover, ready)
    launcher.wait()


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("setup", "run"):
        sys.exit("usage: nova-fake.py setup|run --config-file NOVA.CONF")
    verb = sys.argv.pop(1)
    config.parse_args(sys.argv)
    logging.setup(CONF, "nova")
    objects.register_all()
    if verb == "setup":
        setup()
    else:
        run()


if __name__ == "__main__":
    main()
