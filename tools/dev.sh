#!/usr/bin/env bash
# Axon's single entry point. Installs what is missing into this checkout (never system-wide),
# builds the native library, then runs the requested job:
#
#   tools/dev.sh train     install + build + run the training example (deno task train)
#   tools/dev.sh test      install + build + release files + every test, on Deno and on Bun; last line "N passed, N failed"
#   tools/dev.sh bench     install (also PyTorch/NumPy/JAX into .tools/pyenv) + build + deno task bench [--targets]
#   tools/dev.sh pyenv     install only the Python environment the fixture scripts (tests/fixtures/make_*.py) use
#   tools/dev.sh build     install + build only
#   tools/dev.sh abi       regenerate src/native/abi_generated.ts from the Zig declarations of the C ABI (zig build abi)
#   tools/dev.sh release   install + build the release files of every platform and stage the JSR/npm packages (tools/release.sh)
#
# Toolchains: Deno and Bun from npm (pinned in package.json/package-lock.json), Zig from PyPI
# (ZIG_VERSION below), all under node_modules/ and .tools/. Re-runs skip what is present.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

ZIG_VERSION=0.14.1
TORCH_VERSION=2.13.0
TOOLS="$ROOT/.tools"
ZIG="$TOOLS/ziglang/ziglang/zig"
DENO="$ROOT/node_modules/@deno/linux-x64-glibc/deno"
BUN="$ROOT/node_modules/@oven/bun-linux-x64/bin/bun"
PYENV="$TOOLS/pyenv"
TENSORBOARD_VERSION=2.21.0
TBENV="$TOOLS/tbenv"

log() { printf '[axon] %s\n' "$*" >&2; }

ensure_runtimes() {
  local stamp="$ROOT/node_modules/.axon-lock-stamp"
  local want
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [[ -x "$DENO" && -x "$BUN" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return; fi
  log "installing Deno and Bun from npm (package-lock.json)"
  # The platform packages carry the binaries; no install scripts are needed.
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2
  echo "$want" >"$stamp"
}

ensure_zig() {
  if [[ -x "$ZIG" && "$("$ZIG" version)" == "$ZIG_VERSION" ]]; then return; fi
  log "installing Zig $ZIG_VERSION from PyPI (ziglang) into .tools/"
  rm -rf "$TOOLS/ziglang"
  python3 -m pip install --quiet --disable-pip-version-check --target "$TOOLS/ziglang" "ziglang==$ZIG_VERSION" >&2
}

ensure_python_rivals() {
  if [[ -x "$PYENV/bin/python" ]] && "$PYENV/bin/python" -c "import torch, numpy, safetensors" 2>/dev/null; then return; fi
  log "installing PyTorch $TORCH_VERSION (CPU), NumPy and safetensors into .tools/pyenv (benchmark rivals, fixture scripts)"
  python3 -m venv "$PYENV"
  "$PYENV/bin/pip" install --quiet --disable-pip-version-check "torch==$TORCH_VERSION" numpy safetensors >&2
}

# JAX (XLA) and optax: `deno task bench`'s jit rival (bench/train_epoch_jax.py). Added to the existing
# .tools/pyenv (never recreated here: other checkouts may share it); `python -m pip` works even
# where the venv was moved and its pip script's #! line points elsewhere.
ensure_jax_rival() {
  if "$PYENV/bin/python" -c "import jax, optax" 2>/dev/null; then return; fi
  log "installing JAX, jaxlib and optax (CPU) into .tools/pyenv (benchmark rival)"
  "$PYENV/bin/python" -m pip install --quiet --disable-pip-version-check jax jaxlib optax >&2
}

# TensorBoard's own event reader, with which the SummaryWriter tests read Axon's event files back
# (tests/utils/read_tensorboard.py): PyPI's tensorboard alone (no TensorFlow, no PyTorch), ~180 MB.
ensure_tensorboard() {
  if [[ -x "$TBENV/bin/python" ]] && "$TBENV/bin/python" -c "import tensorboard, sys; sys.exit(tensorboard.__version__ != '$TENSORBOARD_VERSION')" 2>/dev/null; then return; fi
  log "installing tensorboard $TENSORBOARD_VERSION into .tools/tbenv (the SummaryWriter tests read event files back with it)"
  rm -rf "$TBENV"
  python3 -m venv "$TBENV"
  "$TBENV/bin/pip" install --quiet --disable-pip-version-check "tensorboard==$TENSORBOARD_VERSION" >&2
}

# The full Fashion-MNIST (60,000 / 10,000 real images) from Debian's package; the reader's tests on
# real files and `deno task train --dataset fashion-mnist` use it.
ensure_fashion_mnist() {
  if compgen -G "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte*" >/dev/null; then return; fi
  log "installing Debian's dataset-fashion-mnist (apt-get)"
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get install -y -q dataset-fashion-mnist >&2 || { $sudo apt-get update -q >&2 && $sudo apt-get install -y -q dataset-fashion-mnist >&2; }
}

# librsvg's rsvg-convert (Debian's librsvg2-bin): the plot tests render training_curves.svg to PNG
# and check the pixels of the drawn curves.
ensure_rsvg() {
  if command -v rsvg-convert >/dev/null; then return; fi
  log "installing Debian's librsvg2-bin (apt-get; rsvg-convert renders the SVG plots in the tests)"
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get install -y -q librsvg2-bin >&2 || { $sudo apt-get update -q >&2 && $sudo apt-get install -y -q librsvg2-bin >&2; }
}

# Open MPI for the distributed tests and bench (mpirun; libmpi is dlopen'ed by the native library,
# never linked) and mpicc for the bench's C rival.
ensure_mpi() {
  if command -v mpirun >/dev/null && command -v mpicc >/dev/null; then return; fi
  log "installing Debian's openmpi-bin and libopenmpi-dev (apt-get)"
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get install -y -q openmpi-bin libopenmpi-dev >&2 || { $sudo apt-get update -q >&2 && $sudo apt-get install -y -q openmpi-bin libopenmpi-dev >&2; }
}

# Debian's qemu-user runs the arm64 Zig unit tests (zig build test -fqemu); libc6-arm64-cross gives
# them the arm64 glibc loader and libc they link against.
ensure_qemu() {
  if command -v qemu-aarch64 >/dev/null && [[ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ]]; then return; fi
  log "installing Debian's qemu-user and libc6-arm64-cross (apt-get)"
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get install -y -q qemu-user libc6-arm64-cross >&2 || { $sudo apt-get update -q >&2 && $sudo apt-get install -y -q qemu-user libc6-arm64-cross >&2; }
}

build() {
  ensure_runtimes
  ensure_zig
  log "building the native library (zig build -Doptimize=ReleaseFast)"
  "$ZIG" build -Doptimize=ReleaseFast >&2
}

# Runs one runtime's suite, echoing its output, and prints "passed failed" on the last line of
# the file given as $2 (a crash without a summary counts as one failure).
run_suite() {
  local runtime=$1 result=$2 log_file status=0
  # Summaries are parsed below; keep them free of colour codes.
  log_file=$(mktemp)
  if [[ $runtime == deno ]]; then
    NO_COLOR=1 "$DENO" test --allow-all --no-check tests/ 2>&1 | tee "$log_file" || status=$?
    local line
    line=$(grep -aE '(ok|FAILED) \| [0-9]+ passed' "$log_file" | tail -n 1 || true)
    if [[ -n $line ]]; then
      echo "$(sed -E 's/.*\| ([0-9]+) passed.*\| ([0-9]+) failed.*/\1 \2/' <<<"$line")" >"$result"
    else
      echo "0 1" >"$result"
    fi
  else
    NO_COLOR=1 "$BUN" test --timeout 60000 tests/ 2>&1 | tee "$log_file" || status=$?
    local passed failed
    passed=$(grep -aE '^ *[0-9]+ pass$' "$log_file" | tail -n 1 | tr -dc '0-9' || true)
    failed=$(grep -aE '^ *[0-9]+ fail$' "$log_file" | tail -n 1 | tr -dc '0-9' || true)
    if [[ -n $passed && -n $failed ]]; then echo "$passed $failed" >"$result"; else echo "0 1" >"$result"; fi
  fi
  # A non-zero exit with no failures counted (a crash after the summary) still fails.
  if [[ $status -ne 0 ]] && [[ "$(cut -d' ' -f2 "$result")" == 0 ]]; then echo "$(cut -d' ' -f1 "$result") 1" >"$result"; fi
  rm -f "$log_file"
}

run_tests() {
  build
  ensure_fashion_mnist
  ensure_tensorboard
  ensure_rsvg
  ensure_mpi
  log "Zig unit tests (zig build test)"
  local zig_failed=0
  "$ZIG" build test --summary all >&2 || zig_failed=1
  # The release files and packages: tests/dist and tests/native/cpu_levels_test.ts use them.
  log "release files and packages (tools/release.sh)"
  local release_failed=0
  tools/release.sh || release_failed=1
  ensure_qemu
  # ReleaseSafe (bounds and overflow checks kept): under qemu it runs in ~1 min where Debug takes ~3;
  # the shared cache of tools/release.sh keeps its ~2 min compile for changed sources only.
  log "arm64 Zig unit tests under qemu (zig build test -Dtarget=aarch64-linux-gnu -fqemu)"
  "$ZIG" build test -Doptimize=ReleaseSafe -Dtarget=aarch64-linux-gnu.2.28 -fqemu --glibc-runtimes /usr \
    --cache-dir "${AXON_ZIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/axon-build/zig}" --summary all >&2 || zig_failed=1
  # The generator tests/native/abi_generated_test.ts runs: compiled once here, so the test only
  # runs it (a cold compile takes a minute on a loaded machine).
  log "ABI generator (zig build abi, to standard output)"
  "$ZIG" build abi -Dabi-out=- >/dev/null || zig_failed=1
  log "type check (deno check)"
  local types_failed=0
  log "hygiene: deno fmt --check, deno lint, zig fmt --check"
  NO_COLOR=1 "$DENO" fmt --check >&2 || types_failed=1
  NO_COLOR=1 "$DENO" lint >&2 || types_failed=1
  "$ZIG" fmt --check zig build.zig >&2 || types_failed=1
  NO_COLOR=1 "$DENO" check mod.ts tests/ bench/ examples/ tools/release/ >&2 || types_failed=1
  log "doc lint (deno doc --lint)"
  NO_COLOR=1 "$DENO" doc --lint mod.ts >&2 || types_failed=1
  # Every @example runs: deno test --doc, except the MPI ones, which need a process each (MPI
  # initialises once per process); those are type-checked, then run one per process.
  log "doc examples (deno test --doc)"
  NO_COLOR=1 "$DENO" test --doc --allow-all --ignore=src/distributed src/ mod.ts >&2 || types_failed=1
  NO_COLOR=1 "$DENO" check --doc src/distributed/ >&2 || types_failed=1
  NO_COLOR=1 "$DENO" run --allow-all tools/doc/run_each_example.ts src/distributed/*.ts >&2 || types_failed=1
  log "JSR: deno publish --dry-run of this tree and of the staged dist/jsr"
  NO_COLOR=1 "$DENO" publish --dry-run --allow-dirty >&2 || types_failed=1
  [[ $release_failed == 0 ]] && { (cd dist/jsr && NO_COLOR=1 "$DENO" publish --dry-run --allow-dirty >&2) || types_failed=1; }
  local deno_result bun_result
  deno_result=$(mktemp)
  bun_result=$(mktemp)
  log "TypeScript tests on Deno"
  run_suite deno "$deno_result"
  log "TypeScript tests on Bun"
  run_suite bun "$bun_result"
  local dp df bp bf
  read -r dp df <"$deno_result"
  read -r bp bf <"$bun_result"
  rm -f "$deno_result" "$bun_result"
  echo "deno: $dp passed, $df failed; bun: $bp passed, $bf failed; zig unit tests (x86-64, arm64 under qemu): $([[ $zig_failed == 0 ]] && echo ok || echo FAILED); release build: $([[ $release_failed == 0 ]] && echo ok || echo FAILED); format, lint, type check, doc lint, doc examples, publish dry-run: $([[ $types_failed == 0 ]] && echo ok || echo FAILED)"
  local failed=$((df + bf + zig_failed + types_failed + release_failed))
  echo "$((dp + bp)) passed, $failed failed"
  [[ $failed -eq 0 ]]
}

case "${1:-}" in
  build) build ;;
  abi) ensure_zig; log "generating src/native/abi_generated.ts (zig build abi)"; "$ZIG" build abi ;;
  release) ensure_runtimes; ensure_zig; exec tools/release.sh ;;
  pyenv) ensure_python_rivals ;;
  test) run_tests ;;
  train) build; ensure_fashion_mnist; shift; exec "$DENO" task train "$@" ;;
  bench) build; ensure_python_rivals; ensure_jax_rival; ensure_mpi; tools/release.sh; shift; exec "$DENO" task bench "$@" ;;
  *) echo "usage: tools/dev.sh {train|test|bench|build|release|abi}" >&2; exit 2 ;;
esac
