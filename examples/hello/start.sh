#!/bin/sh
# solum gives the app a network of its own and publishes $PORT: listen on
# all interfaces of the container (0.0.0.0), on $PORT.
printf '%s %s %s\n' "${SOLUM_APP:-hello}" "${SOLUM_RELEASE:-v0}" "${SOLUM_COMMIT:-unknown}" >/www/release.txt
exec httpd -f -p "${PORT:-5000}" -h /www
