# shellcheck shell=bash
# Makes a Docker Engine answer, with BuildKit (buildx) and Compose v2, for
# `./meridian images` and `./meridian check-compose`. Source it
# (`. scripts/ensure-docker.sh`): it returns 0 when `docker buildx` and
# `docker compose` work against a running engine; otherwise it prints why the
# Docker steps are skipped and returns 1.
#
# - No engine answers: as root (or with passwordless sudo), install Debian's
#   docker.io when dockerd is missing and start dockerd in the background (log in
#   the tools cache), its socket owned by this user's group.
# - No buildx or compose plugin: build it from its Go module (nothing downloads a
#   binary) into ~/.docker/cli-plugins, once.
# - syft, for the images' SBOMs: built from its Go module, exported as
#   MERIDIAN_SYFT. Without Go there is no SBOM, and `./meridian images` says so.
#
# MERIDIAN_DOCKER=skip skips the Docker steps on purpose; MERIDIAN_DOCKER=require
# makes a missing engine an error (exit) instead of a skip.

meridian_buildx_version=v0.38.2
meridian_compose_version=v2.40.3
meridian_syft_version=v1.57.1

meridian_docker_skip() {
  if [ "${MERIDIAN_DOCKER:-}" = require ]; then
    echo "ensure-docker: Docker is required (MERIDIAN_DOCKER=require), but: $*" >&2
  else
    echo "ensure-docker: the Docker steps are skipped: $*" >&2
  fi
  return 1
}

# Builds a CLI plugin from its Go module when the docker CLI lacks it.
meridian_docker_plugin() {
  local name=$1 bin=$2 plugins="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
  [ -x "$bin" ] || return 1
  mkdir -p "$plugins" && cp "$bin" "$plugins/docker-$name"
}

meridian_ensure_docker() {
  if [ "${MERIDIAN_DOCKER:-}" = skip ]; then
    meridian_docker_skip "MERIDIAN_DOCKER=skip"
    return 1
  fi
  local as_root="" have_go=0
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root="sudo -n"
  fi
  # go-tools.sh (the tools cache, meridian_go_tool) needs Go; without it nothing is built.
  # shellcheck source=scripts/go-tools.sh
  if . "$(dirname "${BASH_SOURCE[0]}")/go-tools.sh" 2>/dev/null; then have_go=1; fi
  local cache="${MERIDIAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meridian}"

  local answer
  if ! answer="$(docker info 2>&1 >/dev/null)"; then
    if [ -S /var/run/docker.sock ] && printf '%s' "$answer" | grep -qi 'permission denied'; then
      meridian_docker_skip "an engine runs, but this user may not use its socket ($answer)"
      return 1
    fi
    if [ "$(id -u)" -ne 0 ] && [ -z "$as_root" ]; then
      meridian_docker_skip "no Docker Engine answers, and starting one needs root (no passwordless sudo)"
      return 1
    fi
    if ! command -v dockerd >/dev/null 2>&1; then
      echo "ensure-docker: installing Debian's docker.io (dockerd, containerd, runc)" >&2
      if ! { $as_root apt-get update -qq \
        && $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null; }; then
        meridian_docker_skip "installing Debian's docker.io failed"
        return 1
      fi
    fi
    local log="$cache/dockerd.log"
    mkdir -p "$cache"
    echo "ensure-docker: starting dockerd (log: $log)" >&2
    # setsid: the engine outlives this shell and its job control. --group: the
    # socket belongs to this user's group, so a sudo-started engine answers this user.
    $as_root setsid dockerd --group "$(id -gn)" >"$log" 2>&1 </dev/null &
    local waited=0
    until docker info >/dev/null 2>&1; do
      if [ "$waited" -ge 60 ]; then
        tail -n 20 "$log" >&2
        meridian_docker_skip "dockerd did not answer within 60 s (its log above)"
        return 1
      fi
      sleep 1
      waited=$((waited + 1))
    done
  fi

  if ! docker buildx version >/dev/null 2>&1; then
    [ "$have_go" -eq 1 ] || { meridian_docker_skip "docker has no buildx plugin, and Go is needed to build it"; return 1; }
    echo "ensure-docker: building docker-buildx $meridian_buildx_version from its Go module (once)" >&2
    meridian_docker_plugin buildx "$(meridian_go_tool buildx github.com/docker/buildx/cmd/buildx \
      "$meridian_buildx_version" "-X github.com/docker/buildx/version.Version=$meridian_buildx_version")" \
      || { meridian_docker_skip "building buildx $meridian_buildx_version failed (output above)"; return 1; }
  fi
  if ! docker compose version >/dev/null 2>&1; then
    [ "$have_go" -eq 1 ] || { meridian_docker_skip "docker has no compose plugin, and Go is needed to build it"; return 1; }
    # `go install` refuses Compose's module (its go.mod has replace directives): build inside it.
    echo "ensure-docker: building docker-compose $meridian_compose_version from its Go module (once)" >&2
    local dir bin="$meridian_tools_cache/compose-$meridian_compose_version/docker-compose"
    if [ ! -x "$bin" ]; then
      dir="$(meridian_go_module github.com/docker/compose/v2 "$meridian_compose_version")"
      if [ -z "$dir" ] || [ ! -d "$dir" ]; then
        meridian_docker_skip "the Go module proxy did not give github.com/docker/compose/v2@$meridian_compose_version"
        return 1
      fi
      (cd "$dir" && GOWORK=off GOFLAGS=-mod=mod go build -trimpath \
        -ldflags "-X github.com/docker/compose/v2/internal.Version=$meridian_compose_version" \
        -o "$bin" ./cmd) >&2 || { meridian_docker_skip "building docker compose failed (output above)"; return 1; }
    fi
    meridian_docker_plugin compose "$bin" || { meridian_docker_skip "installing the compose plugin failed"; return 1; }
  fi
  if ! docker buildx version >/dev/null 2>&1 || ! docker compose version >/dev/null 2>&1; then
    meridian_docker_skip "docker buildx or docker compose does not answer after installing the plugins"
    return 1
  fi

  if [ "$have_go" -eq 1 ]; then
    MERIDIAN_SYFT="$(meridian_go_tool syft github.com/anchore/syft/cmd/syft "$meridian_syft_version" \
      "-X main.version=$meridian_syft_version")" || { meridian_docker_skip "building syft failed (output above)"; return 1; }
    export MERIDIAN_SYFT
  else
    echo "ensure-docker: no Go, so no syft: images are built and checked without an SBOM" >&2
  fi
}

if ! meridian_ensure_docker; then
  if [ "${MERIDIAN_DOCKER:-}" = require ]; then exit 1; fi
  return 1 2>/dev/null || exit 1
fi
