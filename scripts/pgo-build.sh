#!/usr/bin/env bash
# Builds the `mpsim` binary with profile-guided optimisation (PGO): an instrumented build runs
# the shipped scenarios, LLVM merges the branch and call counts they produced, and the release
# build is compiled again with them (rustc's `-Cprofile-generate` / `-Cprofile-use`; the rustc
# book, "Profile-guided Optimization"). The simulator's hot path is branchy protocol code (TCP
# and MPTCP input, the scheduler's pass, the event loop) whose layout and inlining the counts
# steer; results are unchanged (the same source, the same integer arithmetic): `--check` runs
# every shipped scenario with both builds and compares every output byte.
#
# Usage: scripts/pgo-build.sh [--check]
# Writes target/pgo/mpsim (and target/pgo/mpsim.profdata); leaves target/release alone.
# Needs `llvm-profdata` of rustc's own LLVM version: rustup's `llvm-tools` component (added here
# when rustup is present), or `llvm-profdata-<major>` from the distribution's LLVM packages.
set -euo pipefail
cd "$(dirname "$0")/.."

check=0
case "${1:-}" in
  "") ;;
  --check) check=1 ;;
  *) echo "usage: scripts/pgo-build.sh [--check]" >&2; exit 2 ;;
esac

target_dir="${CARGO_TARGET_DIR:-target}"
work="$target_dir/pgo"
mkdir -p "$work"
work="$(cd "$work" && pwd)"

# llvm-profdata must read the profiles of rustc's LLVM: same major version.
llvm_major="$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')"
host="$(rustc -vV | sed -n 's/^host: //p')"
profdata="$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-profdata"
if [ ! -x "$profdata" ] && command -v rustup >/dev/null 2>&1; then
  rustup component add llvm-tools >&2 || true
fi
if [ ! -x "$profdata" ]; then
  if command -v "llvm-profdata-$llvm_major" >/dev/null 2>&1; then
    profdata="$(command -v "llvm-profdata-$llvm_major")"
  else
    echo "pgo-build: no llvm-profdata for LLVM $llvm_major (rustc's): install rustup's" \
      "llvm-tools component or the llvm-$llvm_major package" >&2
    exit 1
  fi
fi

echo "== instrumented build ($work/gen)" >&2
rm -rf "$work/profiles" "$work/train"
mkdir -p "$work/profiles" "$work/train"
RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-generate=$work/profiles" \
  cargo build --release --locked -p scenarios --target-dir "$work/gen"

# Runs every shipped scenario (the sweeps' base files included, the sweeps themselves not) with
# the binary $1 into the directory $2, without plots unless $3 is "plots" (then the handover
# draws its figures); the fat tree for 1 s of its 5 (the same code in its steady state).
run_shipped() {
  local bin="$1" out="$2" plots="${3:-}" n=0 file name
  local -a args
  while IFS= read -r file; do
    name="$(echo "${file#scenarios/}" | sed 's|/|__|g; s|\.ron$||')"
    args=(--no-plots)
    case "$file" in
      */fattree-permutation.ron) args+=(--set 'duration="1s"') ;;
      */wifi-lte-handover.ron) if [ "$plots" = plots ]; then args=(); fi ;;
    esac
    "$bin" run "$file" --out "$out/$name" "${args[@]}" >/dev/null
    n=$((n + 1))
  done < <(find scenarios -name '*.ron' -not -path 'scenarios/src/*' -not -path 'scenarios/tests/*' \
    -not -path 'scenarios/sweeps/*' -not -name '*sweep*' | LC_ALL=C sort)
  echo "   $n scenarios" >&2
}

echo "== training runs: the shipped scenarios" >&2
run_shipped "$work/gen/release/mpsim" "$work/train" plots
"$profdata" merge -o "$work/mpsim.profdata" "$work/profiles"

echo "== optimised build ($work/use)" >&2
RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-use=$work/mpsim.profdata" \
  cargo build --release --locked -p scenarios --target-dir "$work/use"
cp "$work/use/release/mpsim" "$work/mpsim.new"
mv "$work/mpsim.new" "$work/mpsim"
echo "$work/mpsim"

if [ "$check" = 1 ]; then
  echo "== check: the PGO build writes the same bytes as the plain release build" >&2
  cargo build --release --locked -p scenarios
  rm -rf "$work/check"
  mkdir -p "$work/check"
  run_shipped "$target_dir/release/mpsim" "$work/check/release"
  run_shipped "$work/mpsim" "$work/check/pgo"
  diff -r "$work/check/release" "$work/check/pgo"
  echo "   identical" >&2
fi
