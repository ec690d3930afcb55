# shellcheck shell=bash
# Makes a Docker Engine answer, with BuildKit (buildx) and Compose v2, for
# `./meridian images` and the compose check. Source it (`. scripts/ensure-docker.sh`):
# it returns 0 when `docker buildx` and `docker compose` work against a running
# engine, and otherwise prints why the Docker steps are skipped and returns 1.
#
# - No engine answers: as root (or with sudo), install Debian's docker.io when
#   dockerd is missing and start dockerd in the background (log in the tools cache).
# - No buildx or compose plugin: build it from its Go module (nothing downloads a
#   binary) into ~/.docker/cli-plugins, once.
#
# - syft, for the images' SBOMs: built from its Go module, exported as MERIDIAN_SYFT.
#
# MERIDIAN_DOCKER=skip skips the Docker steps on purpose.

meridian_buildx_version=v0.38.2
meridian_compose_version=v2.40.3
meridian_syft_version=v1.57.1

meridian_docker_skip() {
  echo "ensure-docker: the Docker steps are skipped: $*" >&2
  return 1
}

meridian_ensure_docker() {
  if [ "${MERIDIAN_DOCKER:-}" = skip ]; then
    meridian_docker_skip "MERIDIAN_DOCKER=skip"
    return 1
  fi
  local as_root=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as_root="sudo -n"; fi
  fi

  if ! docker info >/dev/null 2>&1; then
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
    local log="$meridian_tools_cache/dockerd.log"
    mkdir -p "$meridian_tools_cache"
    echo "ensure-docker: starting dockerd (log: $log)" >&2
    # setsid: the engine outlives this shell and is not stopped by its job control.
    $as_root setsid dockerd >"$log" 2>&1 </dev/null &
    local waited=0
    until docker info >/dev/null 2>&1; do
      if [ "$waited" -ge 60 ]; then
        tail -n 20 "$log" >&2
        meridian_docker_skip "dockerd did not answer within 60 s (log above)"
        return 1
      fi
      sleep 1
      waited=$((waited + 1))
    done
  fi

  local plugins="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
  if ! docker buildx version >/dev/null 2>&1; then
    echo "ensure-docker: building docker-buildx $meridian_buildx_version from its Go module (once)" >&2
    local bin
    bin="$(meridian_go_tool buildx github.com/docker/buildx/cmd/buildx "$meridian_buildx_version" \
      "-X github.com/docker/buildx/version.Version=$meridian_buildx_version")" || {
      meridian_docker_skip "building buildx failed"
      return 1
    }
    mkdir -p "$plugins" && cp "$bin" "$plugins/docker-buildx"
  fi
  if ! docker compose version >/dev/null 2>&1; then
    # `go install` refuses Compose's module (its go.mod has replace directives): build inside it.
    echo "ensure-docker: building docker-compose $meridian_compose_version from its Go module (once)" >&2
    local dir bin="$meridian_tools_cache/compose-$meridian_compose_version/docker-compose"
    if [ ! -x "$bin" ]; then
      dir="$(meridian_go_module github.com/docker/compose/v2 "$meridian_compose_version")"
      (cd "$dir" && GOWORK=off GOFLAGS=-mod=mod go build -trimpath \
        -ldflags "-X github.com/docker/compose/v2/internal.Version=$meridian_compose_version" \
        -o "$bin" ./cmd) >&2 || {
        meridian_docker_skip "building docker compose failed"
        return 1
      }
    fi
    mkdir -p "$plugins" && cp "$bin" "$plugins/docker-compose"
  fi
  MERIDIAN_SYFT="$(meridian_go_tool syft github.com/anchore/syft/cmd/syft "$meridian_syft_version" \
    "-X main.version=$meridian_syft_version")" || {
    meridian_docker_skip "building syft failed"
    return 1
  }
  export MERIDIAN_SYFT
  docker buildx version >/dev/null 2>&1 && docker compose version >/dev/null 2>&1
}

# shellcheck source=scripts/go-tools.sh
. "$(dirname "${BASH_SOURCE[0]}")/go-tools.sh" || return 1 2>/dev/null || exit 1
meridian_ensure_docker
