# shellcheck shell=bash
# Builds local stand-ins for the upstream base images (docker/stand-ins/Dockerfile),
# for a machine that reaches Debian's and npm's registries but no image registry,
# and exports their tags:
#   MERIDIAN_BUILD_IMAGE     node and npm on minimal Debian  (docker/Dockerfile's BUILD_IMAGE)
#   MERIDIAN_RUNTIME_IMAGE   node and its libraries, no shell, uid 65532  (RUNTIME_IMAGE)
#   MERIDIAN_POSTGRES_IMAGE  Debian's PostgreSQL 15  (compose's postgres)
#   MERIDIAN_REDIS_IMAGE     Debian's Redis 7  (compose's redis and redis-cache)
# Source it after scripts/ensure-docker.sh. Needs root for debootstrap (once: the
# minimal root filesystem is imported as an image and reused while it exists).

meridian_stand_in_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
meridian_stand_in_minbase=meridian-stand-in/debian-minbase:bookworm
meridian_stand_in_node="$(tr -d '[:space:]v' < "$meridian_stand_in_root/.nvmrc")"
meridian_stand_in_npm="$(node -p 'require(process.argv[1]).packageManager.split("@")[1]' "$meridian_stand_in_root/package.json")"

meridian_ensure_stand_in_images() {
  local cache="${MERIDIAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meridian}"
  if ! docker image inspect "$meridian_stand_in_minbase" >/dev/null 2>&1; then
    local as_root="" rootfs made=0
    [ "$(id -u)" -eq 0 ] || as_root="sudo -n"
    if ! command -v debootstrap >/dev/null 2>&1; then
      if ! { $as_root apt-get update -qq \
        && $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }; then
        echo "ensure-stand-in-images: installing debootstrap failed" >&2
        return 1
      fi
    fi
    rootfs="$(mktemp -d)"
    echo "ensure-stand-in-images: debootstrap --variant=minbase bookworm (once, about a minute)" >&2
    if $as_root debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >/dev/null \
      && $as_root tar -C "$rootfs" -c . | docker import - "$meridian_stand_in_minbase" >/dev/null; then
      made=1
    fi
    $as_root rm -rf "$rootfs"
    [ "$made" -eq 1 ] || { echo "ensure-stand-in-images: making the minimal Debian image failed" >&2; return 1; }
  fi

  # The build context: the entrypoints, Node's official build and npm, from the npm registry.
  local arch
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "ensure-stand-in-images: unsupported architecture $(uname -m)" >&2; return 1 ;;
  esac
  local node_dir="$cache/node-$meridian_stand_in_node/node_modules/node-linux-$arch"
  local npm_dir="$cache/npm-$meridian_stand_in_npm/node_modules/npm"
  if [ ! -x "$node_dir/bin/node" ]; then
    npm install --prefix "$cache/node-$meridian_stand_in_node" --ignore-scripts --no-audit --no-fund --no-save \
      --loglevel=error "node-linux-$arch@$meridian_stand_in_node" >&2 || return 1
  fi
  if [ ! -f "$npm_dir/package.json" ]; then
    npm install --prefix "$cache/npm-$meridian_stand_in_npm" --ignore-scripts --no-audit --no-fund --no-save \
      --loglevel=error "npm@$meridian_stand_in_npm" >&2 || return 1
  fi
  local context
  context="$(mktemp -d)"
  if ! { cp "$meridian_stand_in_root"/docker/stand-ins/*-entrypoint.sh "$context/" \
    && mkdir -p "$context/node/bin" && cp "$node_dir/bin/node" "$context/node/bin/node" \
    && cp -r "$npm_dir" "$context/npm"; }; then
    rm -rf "$context"
    echo "ensure-stand-in-images: preparing the build context failed" >&2
    return 1
  fi

  MERIDIAN_BUILD_IMAGE="meridian-stand-in/node-build:$meridian_stand_in_node"
  MERIDIAN_RUNTIME_IMAGE="meridian-stand-in/node-runtime:$meridian_stand_in_node"
  MERIDIAN_POSTGRES_IMAGE=meridian-stand-in/postgres:15
  MERIDIAN_REDIS_IMAGE=meridian-stand-in/redis:7
  local target tag built=0
  for target in node-build:$MERIDIAN_BUILD_IMAGE node-runtime:$MERIDIAN_RUNTIME_IMAGE \
    postgres:$MERIDIAN_POSTGRES_IMAGE redis:$MERIDIAN_REDIS_IMAGE; do
    tag="${target#*:}"
    echo "ensure-stand-in-images: $tag" >&2
    docker buildx build --quiet --load --target "${target%%:*}" --tag "$tag" \
      --file "$meridian_stand_in_root/docker/stand-ins/Dockerfile" "$context" >/dev/null || { built=1; break; }
  done
  rm -rf "$context"
  [ "$built" -eq 0 ] || { echo "ensure-stand-in-images: building $tag failed" >&2; return 1; }
  export MERIDIAN_BUILD_IMAGE MERIDIAN_RUNTIME_IMAGE MERIDIAN_POSTGRES_IMAGE MERIDIAN_REDIS_IMAGE
}

# Called in a condition, so a failing step returns here (with its message) instead
# of ending a shell that runs with errexit before the temporary folders are removed.
if ! meridian_ensure_stand_in_images; then return 1 2>/dev/null || exit 1; fi
