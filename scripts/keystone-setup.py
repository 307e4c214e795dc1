#!/usr/bin/python3
# keystone-setup.py: a private Keystone's database, keys, users and catalog
#
#   /usr/bin/python3 scripts/keystone-setup.py DIR [--nova]
#
# Run by scripts/openstack.sh, with Keystone's own code in one process (the
# keystone-manage steps db_sync, fernet_setup, credential_setup and
# bootstrap, then the rest through the same internal API keystone-manage
# uses): four keystone-manage runs and some forty API calls took about a
# minute on a loaded two-core machine, this takes a few seconds. Reads
# DIR/keystone.conf, DIR/ports and DIR/passwords (KEY=VALUE lines). Makes
# what is missing and leaves the rest:
#   - the database (schema to head, journal in WAL mode), fernet token and
#     credential keys;
#   - keystone-manage bootstrap: the domain Default, project, user and role
#     admin (and member, reader), RegionOne, the identity endpoints;
#   - roles service, heat_stack_owner, heat_stack_user;
#   - projects service and demo; the user demo (member and
#     heat_stack_owner on demo); service users glance and heat (and nova,
#     placement, neutron with --nova) with admin and service on project
#     service (keystonemiddleware here refuses an X-Service-Token from a
#     user without the service role);
#   - Heat's stack domain "heat" with its admin heat_domain_admin;
#   - services with public and internal endpoints in RegionOne: image,
#     orchestration (and placement, compute, network with --nova); an
#     endpoint whose URL changed (a new port) is updated.
# Safe to run while Keystone serves (catalog caching is off in keystone.conf).
import sqlite3
import sys
import uuid

from keystone.cmd import bootstrap
from keystone.cmd import cli
from keystone.common import driver_hints
from keystone.common import fernet_utils
from keystone.common import provider_api
from keystone.common import sql
from keystone.common.sql import upgrades
import keystone.conf
from keystone.credential.providers import fernet as credential_fernet
from keystone import exception

CONF = keystone.conf.CONF
PROVIDERS = provider_api.ProviderAPIs
REGION = "RegionOne"


def read_kv(path):
    out = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                out[k] = v
    return out


def hints(**filters):
    h = driver_hints.Hints()
    for k, v in filters.items():
        h.add_filter(k, v)
    return h


def setup_keys():
    # root owns the keys: no chown (user and group ids None)
    cli.BasePermissionsSetup.initialize_fernet_repository(
        None, None, "fernet_tokens")
    futils = fernet_utils.FernetUtils(CONF.credential.key_repository,
                                      credential_fernet.MAX_ACTIVE_KEYS,
                                      "credential")
    futils.create_key_directory(None, None)
    if futils.validate_key_repository(requires_write=True):
        futils.initialize_key_repository(None, None)


class Setup(bootstrap.Bootstrapper):

    def project(self, name, description, domain_id="default"):
        try:
            return PROVIDERS.resource_api.get_project_by_name(name,
                                                              domain_id)["id"]
        except exception.ProjectNotFound:
            pid = uuid.uuid4().hex
            PROVIDERS.resource_api.create_project(pid, {
                "id": pid, "name": name, "domain_id": domain_id,
                "enabled": True, "description": description})
            return pid

    def domain(self, name, description):
        try:
            return PROVIDERS.resource_api.get_domain_by_name(name)["id"]
        except exception.DomainNotFound:
            did = uuid.uuid4().hex
            PROVIDERS.resource_api.create_domain(did, {
                "id": did, "name": name, "enabled": True,
                "description": description})
            return did

    def user(self, name, password, domain_id="default"):
        try:
            user = PROVIDERS.identity_api.get_user_by_name(name, domain_id)
        except exception.UserNotFound:
            return PROVIDERS.identity_api.create_user({
                "name": name, "domain_id": domain_id, "enabled": True,
                "password": password})["id"]
        try:
            PROVIDERS.identity_api.driver.authenticate(user["id"], password)
        except AssertionError:
            PROVIDERS.identity_api.update_user(user["id"],
                                               {"password": password})
        return user["id"]

    def grant(self, user_id, role_id, project_id=None, domain_id=None):
        try:
            if project_id:
                PROVIDERS.assignment_api.add_role_to_user_and_project(
                    user_id, project_id, role_id)
            else:
                PROVIDERS.assignment_api.create_grant(
                    role_id, user_id=user_id, domain_id=domain_id)
        except exception.Conflict:
            pass

    def service(self, stype, name, url):
        services = PROVIDERS.catalog_api.list_services(hints(type=stype))
        if services:
            sid = services[0]["id"]
        else:
            sid = uuid.uuid4().hex
            PROVIDERS.catalog_api.create_service(sid, {
                "id": sid, "type": stype, "name": name, "enabled": True})
        have = {e["interface"]: e for e in PROVIDERS.catalog_api.list_endpoints(
            hints(service_id=sid, region_id=REGION))}
        for iface in ("public", "internal"):
            e = have.get(iface)
            if e is None:
                eid = uuid.uuid4().hex
                PROVIDERS.catalog_api.create_endpoint(eid, {
                    "id": eid, "interface": iface, "url": url,
                    "service_id": sid, "region_id": REGION,
                    "enabled": True})
            elif e["url"] != url:
                e["url"] = url
                PROVIDERS.catalog_api.update_endpoint(e["id"], e)


def main():
    if len(sys.argv) < 2 or sys.argv[2:] not in ([], ["--nova"]):
        sys.exit("usage: keystone-setup.py DIR [--nova]")
    d = sys.argv[1]
    nova = sys.argv[2:] == ["--nova"]
    ports = read_kv(d + "/ports")
    pw = read_kv(d + "/passwords")
    base = "http://127.0.0.1:"
    identity = base + ports["KEYSTONE_PORT"] + "/v3/"

    keystone.conf.configure()
    sql.initialize()
    keystone.conf.set_default_for_default_log_levels()
    CONF(args=["--config-file", d + "/keystone.conf"], project="keystone",
         default_config_files=[])
    keystone.conf.setup_logging()

    upgrades.offline_sync_database_to_version()
    db = sqlite3.connect(d + "/keystone.db")
    # In the default rollback-journal mode one request's open read
    # transaction blocks its own commit on a second connection: role and
    # user creates through the API then fail with "database is locked".
    if db.execute("pragma journal_mode=wal").fetchone()[0] != "wal":
        sys.exit("keystone-setup: cannot put keystone.db in WAL mode")
    db.close()
    setup_keys()

    s = Setup()
    s.admin_username = "admin"
    s.admin_password = pw["ADMIN_PASSWORD"]
    s.project_name = "admin"
    s.admin_role_name = "admin"
    s.service_name = "keystone"
    s.public_url = s.internal_url = s.admin_url = identity
    s.region_id = REGION
    s.immutable_roles = True
    s.bootstrap()

    roles = {r: s._ensure_role_exists(r)["id"] for r in
             ("admin", "member", "reader", "service", "heat_stack_owner",
              "heat_stack_user")}
    service_p = s.project("service", "service users")
    demo_p = s.project("demo", "solum's tests")
    demo_u = s.user("demo", pw["DEMO_PASSWORD"])
    for r in ("member", "heat_stack_owner"):
        s.grant(demo_u, roles[r], project_id=demo_p)
    users = ["glance", "heat"] + (["nova", "placement", "neutron"]
                                  if nova else [])
    for u in users:
        uid = s.user(u, pw["SERVICE_PASSWORD"])
        for r in ("admin", "service"):
            s.grant(uid, roles[r], project_id=service_p)
    heat_d = s.domain("heat", "users Heat makes for stacks")
    hda = s.user("heat_domain_admin", pw["SERVICE_PASSWORD"], heat_d)
    s.grant(hda, roles["admin"], domain_id=heat_d)

    s.service("image", "glance", base + ports["GLANCE_PORT"])
    s.service("orchestration", "heat",
              base + ports["HEAT_PORT"] + "/v1/%(tenant_id)s")
    if nova:
        s.service("placement", "placement", base + ports["PLACEMENT_PORT"])
        s.service("compute", "nova", base + ports["NOVA_PORT"] + "/v2.1")
        s.service("network", "neutron", base + ports["NEUTRON_PORT"])


if __name__ == "__main__":
    main()
