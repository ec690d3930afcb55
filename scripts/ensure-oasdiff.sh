# shellcheck shell=bash
# Makes oasdiff available for the api's compatibility check (tools/api-compat)
# and exports where it is:
#   MERIDIAN_OASDIFF   oasdiff, built from its Go module (no binary download)
#
# Source it (`. scripts/ensure-oasdiff.sh`); scripts/ensure-deploy-tools.sh
# does, so `./meridian test` has it. The version is pinned here and only here:
# which changes count as breaking is oasdiff's judgement, so it moves only on purpose.

meridian_oasdiff_version=v1.37.0

# shellcheck source=scripts/go-tools.sh
. "$(dirname "${BASH_SOURCE[0]}")/go-tools.sh" || return 1 2>/dev/null || exit 1

MERIDIAN_OASDIFF="$(meridian_go_tool oasdiff github.com/oasdiff/oasdiff "$meridian_oasdiff_version" \
  "-X github.com/oasdiff/oasdiff/build.Version=$meridian_oasdiff_version")" || return 1 2>/dev/null || exit 1
export MERIDIAN_OASDIFF
