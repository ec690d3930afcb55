#!/bin/sh
# The stand-in Redis's entrypoint: as the official image, a command that starts
# with an option runs redis-server, and redis-server answers other containers
# (protected mode off: the network, not Redis, decides who may connect).
set -eu
if [ "${1#-}" != "$1" ]; then set -- redis-server "$@"; fi
if [ "$1" = redis-server ]; then
  shift
  exec redis-server "$@" --protected-mode no
fi
exec "$@"
