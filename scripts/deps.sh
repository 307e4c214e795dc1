#!/bin/bash
# deps.sh: install the Debian 12 packages solum builds, tests and demos with.
# Idempotent; needs root (apt-get). Installs nothing that is already there.
set -euo pipefail

pkgs=(
	# build
	build-essential pkg-config
	libssh-dev libgit2-dev libarchive-dev libcurl4-openssl-dev
	libjansson-dev libyaml-dev libsqlite3-dev libmicrohttpd-dev
	libcmocka-dev
	# tests and demo: real clients and services on 127.0.0.1
	git openssh-client openssh-server curl ca-certificates
	docker.io docker-registry busybox-static apache2-utils sqlite3
	time procps iproute2 nginx-light
	# prove, the fake HTTP server of t4110; certificates for Docker over TLS;
	# the SSH front's algorithm audit; nc and ss in the isolation tests
	perl openssl ssh-audit iptables
	# benchmarks
	jq
	# OpenStack on 127.0.0.1 for the t5xxx tests (scripts/openstack.sh):
	# Keystone under uwsgi, Glance, Heat (heat-all), the openstack client
	keystone glance-api heat-api heat-engine python3-openstackclient
	uwsgi-core uwsgi-plugin-python3
	# and for openstack.sh --nova: Nova's fake driver, Placement, Neutron
	python3-nova python3-placement python3-neutron
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#pkgs[@]} packages present"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages: ${missing[*]}; run as root (sudo $0)" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# keep package scripts from starting system services (nginx on :80):
# solum starts the ones it needs itself, on 127.0.0.1
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod +x "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
