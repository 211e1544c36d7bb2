#!/usr/bin/env bash
# Builds Axon's release files and stages its packages (`tools/dev.sh release` runs this after
# installing the toolchains):
#
#   dist/release/    the native library of every platform, cross-compiled by Zig, ReleaseFast,
#                    stripped: libaxon-<platform>.<ext>, and on x86-64 one more file per CPU level
#                    (libaxon-<platform>-<level>.<ext>, zig/cpu/levels.zig); SHA256SUMS lists them all
#   dist/jsr/        the JSR package with those checksums inside (publish: cd dist/jsr && deno publish)
#   dist/npm/*/      @axon/ml (JavaScript + .d.ts) and @axon/ml-<platform> (library only)
#   dist/packages/   `npm pack` of each npm package
#
# AXON_RELEASE_PLATFORMS (space-separated, default all four) limits the platforms built.
# Builds share a Zig cache outside the checkout (AXON_ZIG_CACHE), so unchanged sources are not
# rebuilt, even from a fresh clone.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
ZIG="$ROOT/.tools/ziglang/ziglang/zig"
DENO="$ROOT/node_modules/@deno/linux-x64-glibc/deno"
CACHE=${AXON_ZIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/axon-build/zig}
PLATFORMS=${AXON_RELEASE_PLATFORMS:-linux-x64-gnu linux-arm64-gnu darwin-arm64 darwin-x64}
OUT="$ROOT/dist/release"
# Stripped files are ~2-3 MB; these bounds catch an unstripped or empty build.
MIN_BYTES=$((200 * 1024))
MAX_BYTES=$((8 * 1024 * 1024))

log() { printf '[axon release] %s\n' "$*" >&2; }

# One line per file: <release file name> <zig target> <-Dlevel value or "-">
matrix() {
  local p
  for p in $PLATFORMS; do
    case $p in
      linux-x64-gnu)
        echo "libaxon-linux-x64-gnu.so x86_64-linux-gnu.2.28 x86-64-v2"
        for l in x86-64-v3 x86-64-v4 avx512-bf16 amx; do echo "libaxon-linux-x64-gnu-$l.so x86_64-linux-gnu.2.28 $l"; done ;;
      linux-arm64-gnu) echo "libaxon-linux-arm64-gnu.so aarch64-linux-gnu.2.28 -" ;;
      darwin-arm64) echo "libaxon-darwin-arm64.dylib aarch64-macos -" ;;
      darwin-x64)
        # No Mac has AVX-512 BF16 or AMX.
        echo "libaxon-darwin-x64.dylib x86_64-macos x86-64-v2"
        for l in x86-64-v3 x86-64-v4; do echo "libaxon-darwin-x64-$l.dylib x86_64-macos $l"; done ;;
      *) echo "unknown platform $p" >&2; exit 2 ;;
    esac
  done
}

build_one() {
  local name=$1 target=$2 level=$3 prefix
  prefix=$(mktemp -d)
  local args=(build -Doptimize=ReleaseFast -Dstrip=true "-Dtarget=$target" --prefix "$prefix" --cache-dir "$CACHE")
  [[ $level != - ]] && args+=("-Dlevel=$level")
  "$ZIG" "${args[@]}" >&2
  local lib
  lib=$(find "$prefix/lib" -name 'libaxon.*' -type f | head -n 1)
  cp "$lib" "$OUT/$name"
  rm -rf "$prefix"
}

rm -rf "$OUT" "$ROOT/dist/packages"
mkdir -p "$OUT" "$ROOT/dist/packages" "$CACHE"
log "building $(matrix | wc -l) library files for: $PLATFORMS (Zig cache $CACHE)"
start=$SECONDS
# Two builds at a time: LLVM's code generation of one library is mostly single-threaded.
pids=()
while read -r name target level; do
  build_one "$name" "$target" "$level" &
  pids+=($!)
  if ((${#pids[@]} >= 2)); then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done < <(matrix)
for pid in "${pids[@]}"; do wait "$pid"; done
log "built in $((SECONDS - start)) s"

for f in "$OUT"/libaxon-*; do
  size=$(stat -c %s "$f")
  if ((size < MIN_BYTES || size > MAX_BYTES)); then
    echo "release file $(basename "$f") is $size bytes, outside [$MIN_BYTES, $MAX_BYTES]" >&2
    exit 1
  fi
  printf '  %-45s %8d KiB\n' "$(basename "$f")" $((size / 1024)) >&2
done
(cd "$OUT" && sha256sum libaxon-* >SHA256SUMS)

"$DENO" run --allow-all --quiet tools/release/stage.ts >&2
for dir in "$ROOT"/dist/npm/*/; do
  (cd "$dir" && npm pack --silent --pack-destination "$ROOT/dist/packages" >/dev/null)
done
log "release files: dist/release (SHA256SUMS), packages: $(cd "$ROOT/dist/packages" && echo *.tgz)"
