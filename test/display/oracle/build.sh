#!/bin/sh
# Builds the reference runner (harness.c) against spice-common's canvas sources.
# Usage: build.sh SPICE_COMMON_DIR OUT_BINARY   (needs gcc, pixman, glib and spice-protocol headers)
set -eu
src=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/common"
cp "$src"/common/*.c "$src"/common/*.h "$work/common/"
printf '#define SW_CANVAS_CACHE 1\n' > "$work/config.h"
cflags="-O1 -w -I$work -I$work/common $(pkg-config --cflags pixman-1 glib-2.0 spice-protocol) -DSW_CANVAS_CACHE"
objs=
for f in sw_canvas pixman_utils canvas_utils lines rop3 quic lz mem log backtrace region; do
  gcc -c $cflags "$work/common/$f.c" -o "$work/$f.o"
  objs="$objs $work/$f.o"
done
gcc $cflags "$here/harness.c" $objs -o "$out" $(pkg-config --libs pixman-1 glib-2.0 gobject-2.0) -lm
