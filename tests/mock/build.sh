#!/usr/bin/env bash
# Build the librdkafka mock-cluster host used by the tests and benchmarks.
#
#   bash tests/mock/build.sh        -> prints the absolute path of the binary
#
# - Installs librdkafka-dev and kcat with apt-get if they are missing
#   (needs root, or sudo; runs `apt-get update` first only when installing).
# - Compiles mock_cluster.c into ${MOCK_HOME:-/tmp/webstream-mock}/mock_cluster
#   (outside the git tree). Rebuilds only when the source, this script or the
#   installed librdkafka version changed; otherwise it returns immediately.
# - Only the binary path goes to stdout; progress goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/mock_cluster.c"
out_dir="${MOCK_HOME:-/tmp/webstream-mock}"
bin="$out_dir/mock_cluster"
stamp="$out_dir/mock_cluster.stamp"

log() { echo "[mock/build] $*" >&2; }

have_deps() {
  [ -f /usr/include/librdkafka/rdkafka_mock.h ] && command -v kcat >/dev/null 2>&1 \
    && command -v gcc >/dev/null 2>&1
}

stamp_ok() {
  [ -x "$bin" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(want_stamp)" ]
}
want_stamp() {
  local v
  v="$(dpkg-query -W -f='${Version}' librdkafka-dev 2>/dev/null || echo unknown)"
  echo "$(cat "$src" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1) librdkafka-dev=$v"
}

# Fast path: nothing to do.
if have_deps && stamp_ok; then
  echo "$bin"
  exit 0
fi

# Serialize concurrent callers (parallel test runners) around apt-get and gcc.
mkdir -p "$out_dir"
exec 9>"$out_dir/.build.lock"
flock 9
if have_deps && stamp_ok; then
  echo "$bin"
  exit 0
fi

if ! have_deps; then
  pkgs=(librdkafka-dev kcat gcc)
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo -n)
  else
    log "librdkafka-dev/kcat missing and not root (no sudo): install ${pkgs[*]}"
    exit 1
  fi
  log "installing ${pkgs[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq >&2
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=300 "${pkgs[@]}" >&2
  have_deps || { log "dependencies still missing after apt-get install"; exit 1; }
fi

rdk_version="$(dpkg-query -W -f='${Version}' librdkafka-dev 2>/dev/null || echo unknown)"
want="$(want_stamp)"
tmp="$(mktemp "$out_dir/.mock_cluster.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
log "compiling $src (librdkafka-dev $rdk_version)"
gcc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -g -Wall -Wextra \
  -o "$tmp" "$src" -lrdkafka
chmod 755 "$tmp"
mv -f "$tmp" "$bin"   # atomic: concurrent builds never see a half-written file
trap - EXIT
printf '%s' "$want" > "$stamp.tmp.$$" && mv -f "$stamp.tmp.$$" "$stamp"
echo "$bin"
