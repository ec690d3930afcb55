#!/bin/sh
# The stand-in PostgreSQL's entrypoint: the part of the official image's that
# compose relies on. On an empty $PGDATA: initdb with POSTGRES_USER and
# POSTGRES_PASSWORD, run /docker-entrypoint-initdb.d/*.sql once, then serve
# every address with password authentication.
set -eu
if [ "${1:-postgres}" != postgres ]; then exec "$@"; fi
[ "$#" -eq 0 ] || shift

user="${POSTGRES_USER:-postgres}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  password_file="$(mktemp)"
  printf '%s\n' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}" > "$password_file"
  initdb --username="$user" --pwfile="$password_file" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$password_file"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  # Initialise on the socket only, so no client connects before the scripts ran.
  pg_ctl --wait --options="-c listen_addresses=''" start >/dev/null
  for script in /docker-entrypoint-initdb.d/*.sql; do
    [ -e "$script" ] || continue
    echo "stand-in postgres: running $script"
    psql --no-psqlrc --set ON_ERROR_STOP=1 --username="$user" --dbname=postgres --file="$script"
  done
  pg_ctl --wait --mode=fast stop >/dev/null
fi
# Options given after `postgres` (compose's `command:`) come last, so they win.
exec postgres -c listen_addresses='*' "$@"
