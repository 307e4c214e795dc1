#!/usr/bin/python3
# neutron-api.py: the Neutron API as a WSGI application, and its schema
#
#   uwsgi … --wsgi-file scripts/neutron-api.py \
#       --env OS_NEUTRON_CONFIG_FILES=DIR/neutron.conf
#   /usr/bin/python3 scripts/neutron-api.py db-setup DIR/neutron.conf
#
# Run by scripts/openstack.sh start DIR --nova. Debian's python3-neutron
# has no WSGI entry point for uwsgi: loaded by uwsgi, this file reads the
# config files of OS_NEUTRON_CONFIG_FILES (';'-separated) and builds the
# paste application "neutron" of the config's api_paste_config.
#
# "db-setup": `neutron-db-manage upgrade heads` fails on sqlite, so the
# schema is built from the models (tables that exist are left alone) and
# alembic is stamped at heads, as if the migrations had run.
import sys


def db_setup(conf_file):
    import configparser

    from neutron.db.migration import cli
    from neutron.db.migration.models import head
    import sqlalchemy

    conf = configparser.ConfigParser(interpolation=None)
    conf.read(conf_file)

    sys.argv = ["neutron-db-manage", "--config-file", conf_file,
                "stamp", "heads"]
    if cli.main():
        sys.exit("neutron-api: neutron-db-manage stamp heads failed")
    engine = sqlalchemy.create_engine(conf["database"]["connection"])
    head.get_metadata().create_all(engine)


def application_of_env():
    from neutron.common import config
    from neutron import server

    # uwsgi's arguments are none of Neutron's
    sys.argv = ["neutron-api"]
    server._init_configuration()
    return config.load_paste_app("neutron")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "db-setup":
        sys.exit("usage: neutron-api.py db-setup NEUTRON.CONF")
    db_setup(sys.argv[2])
else:
    application = application_of_env()
