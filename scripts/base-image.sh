#!/bin/bash
# base-image.sh: make the offline base image local/busybox:latest
#
#   scripts/base-image.sh SOCKET [NAME]
#
# SOCKET is the engine's unix socket (a path or unix:///path); NAME defaults
# to local/busybox:latest. The image is a rootfs holding the static busybox
# from Debian's busybox-static and a link for each of its applets (sh, httpd,
# wget, ...), imported through the Engine API (POST /images/create with
# fromSrc=-), so no registry is needed. Nothing is done when the image is
# there already.
set -euo pipefail

[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: base-image.sh SOCKET [NAME]" >&2; exit 129; }
sock=${1#unix://}
name=${2:-local/busybox:latest}
repo=${name%:*}
tag=${name##*:}
[ "$repo" != "$name" ] || tag=latest
api=http://docker/v1.41

busybox=
for b in /bin/busybox /usr/bin/busybox; do
	# ldd fails on a static executable: "not a dynamic executable"
	if [ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1; then
		busybox=$b
		break
	fi
done
[ -n "$busybox" ] || { echo "base-image.sh: no static busybox (apt-get install busybox-static)" >&2; exit 1; }

code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" \
	"$api/images/$repo:$tag/json") || code=000
case "$code" in
200) exit 0 ;;
404) ;;
*) echo "base-image.sh: cannot reach the engine at $sock (HTTP $code)" >&2; exit 1 ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/solum-rootfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/rootfs
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/var/www" \
	"$root/proc" "$root/sys" "$root/dev"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

# CMD ["/bin/sh"] and ENV PATH, URL-encoded for the changes parameter
changes='changes=CMD%20%5B%22%2Fbin%2Fsh%22%5D&changes=ENV%20PATH%3D%2Fbin'
tar --numeric-owner --owner=0 --group=0 -C "$root" -cf "$tmp/rootfs.tar" .
out=$(curl -sS --unix-socket "$sock" -X POST -H 'Content-Type: application/x-tar' \
	--data-binary @"$tmp/rootfs.tar" \
	"$api/images/create?fromSrc=-&repo=$repo&tag=$tag&$changes") || {
	echo "base-image.sh: import failed" >&2
	exit 1
}
case "$out" in
*'"error"'*) echo "base-image.sh: import failed: $out" >&2; exit 1 ;;
esac
code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" \
	"$api/images/$repo:$tag/json") || code=000
[ "$code" = 200 ] || { echo "base-image.sh: $repo:$tag missing after import (HTTP $code)" >&2; exit 1; }
