#!/usr/bin/env bash
# Exact cost per simulated packet of one run: instructions, data references and last-level
# cache misses per link transmission, counted by valgrind's cachegrind. Its cache is
# simulated, so the counts are the same on every run and machine for the same binary (but
# for the few instructions that handle the results' path, whose length may differ), where
# CPU time on a shared machine moves by 5-10 % from hour to hour: they tell a 1 % change
# apart when paired timings cannot. (Instruction counts still move by 1-2 % when an edit
# changes what the compiler inlines; compare per function with cg_annotate when in doubt.)
#
#   scripts/cost-per-packet.sh SCENARIO.ron [mpsim run options ...]
#   scripts/cost-per-packet.sh scenarios/two-path.ron --set duration=5s
#
# Environment: MPSIM, the binary (default this checkout's target/release/mpsim, built when
# missing);
# LL_BYTES, the simulated last-level cache (default 1048576: one core's share of L2 on many
# servers; the working set of a run with many connections does not fit it, that of one
# connection does). KEEP=DIR keeps cachegrind's output and the run's results in DIR.
# Needs valgrind and python3.
set -euo pipefail
# Paths (the scenario, MPSIM, KEEP) are the caller's; the default binary is this checkout's.
root=$(cd "$(dirname "$0")/.." && pwd)

if [ $# -lt 1 ]; then
  echo "usage: scripts/cost-per-packet.sh SCENARIO.ron [mpsim run options ...]" >&2
  exit 2
fi
scenario=$1
shift
if [ ! -f "$scenario" ]; then
  echo "cost-per-packet: no scenario file $scenario" >&2
  exit 2
fi
for tool in valgrind python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "cost-per-packet: needs $tool (Debian: apt-get install $tool)" >&2
    exit 2
  fi
done

mpsim=${MPSIM:-$root/target/release/mpsim}
if [ -z "${MPSIM:-}" ] && [ ! -x "$mpsim" ]; then
  cargo build --release --locked --quiet --manifest-path "$root/Cargo.toml" -p scenarios --bin mpsim
fi
ll=${LL_BYTES:-1048576}

if [ -n "${KEEP:-}" ]; then
  # Only into a new directory: nothing of the user's is replaced.
  if [ -e "$KEEP" ]; then
    echo "cost-per-packet: KEEP=$KEEP exists; name a new directory" >&2
    exit 2
  fi
  mkdir -p "$KEEP"
  work=$KEEP
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi

if ! valgrind --tool=cachegrind --cache-sim=yes --LL="$ll,16,64" \
  --cachegrind-out-file="$work/cachegrind.out" \
  "$mpsim" run "$scenario" --out "$work/results" --no-plots "$@" \
  >"$work/run.log" 2>&1; then
  cat "$work/run.log" >&2
  echo "cost-per-packet: the run failed" >&2
  exit 1
fi

python3 - "$work/cachegrind.out" "$work/results/summary.json" "$scenario" "$ll" <<'EOF'
import json
import sys

cg, summary, scenario, ll = sys.argv[1:5]
events = totals = None
with open(cg) as f:
    for line in f:
        if line.startswith("events:"):
            events = line.split()[1:]
        elif line.startswith("summary:"):
            totals = [int(v) for v in line.split()[1:]]
if events is None or totals is None:
    sys.exit(f"cost-per-packet: no totals in {cg}")
t = dict(zip(events, totals))
with open(summary) as f:
    packets = sum(link["tx_packets"] for link in json.load(f)["links"])
if packets == 0:
    sys.exit("cost-per-packet: the run sent no packet over a link")
data_refs = t["Dr"] + t["Dw"]
ll_misses = t["DLmr"] + t["DLmw"]
print(f"{scenario}: {packets} link transmissions")
print(f"instructions per packet            {t['Ir'] / packets:10.1f}")
print(f"data references per packet         {data_refs / packets:10.1f}")
print(f"last-level data misses per packet  {ll_misses / packets:10.2f}  ({int(ll) >> 10} KiB simulated)")
EOF
