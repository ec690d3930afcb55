# shellcheck shell=bash
# What every script that builds a tool from its Go module shares: the cache
# folder, Go on PATH, and the two ways a pinned module is brought in. Sourced by
# scripts/ensure-deploy-tools.sh and scripts/ensure-oasdiff.sh; nothing here
# downloads a binary: tools are built from source fetched through the Go module proxy.

meridian_tools_cache="${MERIDIAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/meridian}"
if [ -x /usr/local/go/bin/go ]; then PATH="$PATH:/usr/local/go/bin"; fi
if ! command -v go >/dev/null 2>&1; then
  echo "go-tools: Go is needed to build the checks' tools from their modules (https://go.dev/dl/)" >&2
  return 1 2>/dev/null || exit 1
fi

# Builds <module>/<cmd>@<version> into the cache once; prints the binary's path.
meridian_go_tool() {
  local name=$1 package=$2 version=$3 ldflags=${4:-}
  local bin="$meridian_tools_cache/$name-$version/$name"
  if [ ! -x "$bin" ]; then
    echo "go-tools: building $name $version from $package (once)" >&2
    (cd "$(mktemp -d)" && GOBIN="$(dirname "$bin")" GOFLAGS=-mod=mod go install -ldflags "$ldflags" "$package@$version") >&2 || return 1
  fi
  echo "$bin"
}

# Unpacks a module from the proxy (once, into Go's module cache); prints its folder.
meridian_go_module() {
  (cd "$(mktemp -d)" && GOFLAGS=-mod=mod go mod download -json "$1@$2") | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}
