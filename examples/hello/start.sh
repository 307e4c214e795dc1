#!/bin/sh
# solum runs the app with host networking: listen on 127.0.0.1:$PORT.
printf '%s %s %s\n' "${SOLUM_APP:-hello}" "${SOLUM_RELEASE:-v0}" "${SOLUM_COMMIT:-unknown}" >/www/release.txt
exec httpd -f -p "127.0.0.1:${PORT:-8080}" -h /www
