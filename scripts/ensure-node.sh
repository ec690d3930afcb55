# shellcheck shell=bash
# Puts the Node.js version pinned in .nvmrc first on PATH.
#
# Source it (`. scripts/ensure-node.sh`); it does nothing when the machine's Node
# already has the pinned major version. Otherwise it installs the official Node
# build that the npm registry publishes as `node-linux-<arch>` (a plain package
# with bin/node, no install script) into a cache folder, once, and reuses it.
# Only the npm registry is contacted: nothing else is downloaded.

meridian_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
meridian_node_version="$(tr -d '[:space:]v' < "$meridian_root/.nvmrc")"
meridian_node_major="${meridian_node_version%%.*}"

meridian_current_major() {
  command -v node >/dev/null 2>&1 || { echo 0; return; }
  node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

if [ "$(meridian_current_major)" != "$meridian_node_major" ]; then
  case "$(uname -m)" in
    x86_64 | amd64) meridian_node_arch=x64 ;;
    aarch64 | arm64) meridian_node_arch=arm64 ;;
    *) echo "ensure-node: unsupported architecture $(uname -m)" >&2; return 1 2>/dev/null || exit 1 ;;
  esac
  meridian_node_pkg="node-linux-$meridian_node_arch"
  meridian_node_cache="${MERIDIAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meridian}/node-$meridian_node_version"
  meridian_node_bin="$meridian_node_cache/node_modules/$meridian_node_pkg/bin"
  if [ ! -x "$meridian_node_bin/node" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "ensure-node: npm is needed once to fetch Node $meridian_node_version from the npm registry" >&2
      return 1 2>/dev/null || exit 1
    fi
    echo "ensure-node: installing Node $meridian_node_version ($meridian_node_pkg) into $meridian_node_cache" >&2
    mkdir -p "$meridian_node_cache"
    npm install --prefix "$meridian_node_cache" --ignore-scripts --no-audit --no-fund --no-save \
      --loglevel=error "$meridian_node_pkg@$meridian_node_version" >&2 || { return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$meridian_node_bin:$PATH"
fi

if [ "$(meridian_current_major)" != "$meridian_node_major" ]; then
  echo "ensure-node: expected Node $meridian_node_major on PATH, found $(node --version 2>/dev/null || echo none)" >&2
  return 1 2>/dev/null || exit 1
fi
