#!/usr/bin/env bash
# Builds the C parts of bench/peers.ts with gcc on the system librdkafka:
#
#   bash bench/peers/build.sh     -> prints the directory holding rusage and rdkafka_producer
#
# librdkafka-dev, kcat and gcc come from tests/mock/build.sh (apt-get when missing).
# Output goes to ${BENCH_HOME:-/tmp/webstream-bench}/bin, outside the git tree, and is
# rebuilt only when a source, this script or the librdkafka version changed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out_dir="${BENCH_HOME:-/tmp/webstream-bench}/bin"
bash "$here/../../tests/mock/build.sh" >/dev/null
mkdir -p "$out_dir"
exec 9>"$out_dir/.build.lock"
flock 9
want="$(cat "$here/rusage.c" "$here/rdkafka_producer.c" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1) \
$(dpkg-query -W -f='${Version}' librdkafka-dev 2>/dev/null || echo unknown)"
if [ -x "$out_dir/rusage" ] && [ -x "$out_dir/rdkafka_producer" ] &&
  [ "$(cat "$out_dir/stamp" 2>/dev/null)" = "$want" ]; then
  echo "$out_dir"
  exit 0
fi
flags=(-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -Wall -Wextra)
echo "[bench/peers/build] compiling rusage and rdkafka_producer" >&2
gcc "${flags[@]}" -o "$out_dir/.rusage.tmp" "$here/rusage.c"
gcc "${flags[@]}" -o "$out_dir/.rdkafka_producer.tmp" "$here/rdkafka_producer.c" -lrdkafka
mv -f "$out_dir/.rusage.tmp" "$out_dir/rusage"
mv -f "$out_dir/.rdkafka_producer.tmp" "$out_dir/rdkafka_producer"
printf '%s' "$want" >"$out_dir/stamp"
echo "$out_dir"
