#!/usr/bin/env bash
# Runs a sweep on a real (single-node) Slurm cluster and checks it against a local batch.
#
#   bash cluster/slurm-local.sh [SWEEP] [SHARDS]
#
# 1. installs Slurm and munge from Debian's packages (slurm-wlm, munge) when missing (as root);
# 2. starts munged, slurmctld and slurmd on this machine with cluster/slurm.conf (controller
#    and node "localhost", 2 CPUs, no cgroups: works in a container without systemd);
# 3. submits the sweep as a job array, one `mpsim batch --shard I/N` per task
#    (cluster/sweep-job.sh), and waits for it;
# 4. joins the shards with `mpsim merge` and checks that the merged summary.csv (and the other
#    tables and the manifest) is byte-identical to the one of a plain local `mpsim batch` of
#    the same sweep;
# 5. stops the daemons it started (also on failure).
#
# Defaults: SWEEP = scenarios/sweeps/dumbbell-cc.ron (30 runs of 20 simulated seconds, about
# a second of work), SHARDS = 4. Scratch files go to target/slurm-local/ and /tmp/mpsim-slurm/.
# Exit status 0 only if the job array succeeded and the two summaries are identical.
set -euo pipefail
# A sweep given on the command line is relative to the caller's directory.
SWEEP=$(realpath "${1:-$(dirname "$0")/../scenarios/sweeps/dumbbell-cc.ron}")
cd "$(dirname "$0")/.."
ROOT=$PWD
SHARDS=${2:-4}
WORK=$ROOT/target/slurm-local
SCRATCH=/tmp/mpsim-slurm # as in cluster/slurm.conf
export SLURM_CONF=$ROOT/cluster/slurm.conf
started=$(date +%s)

say() { echo "== slurm-local: $*"; }

# --- 1. packages -------------------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
    || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi
sinfo --version

# --- the mpsim binary ---------------------------------------------------------------------
cargo build --release --locked -p scenarios --bin mpsim
MPSIM=$ROOT/target/release/mpsim

# --- 2. daemons ---------------------------------------------------------------------------
MUNGED_PID=""
stop_daemons() {
  set +e
  if [ -f "$SCRATCH/slurmctld.pid" ] || [ -f "$SCRATCH/slurmd.pid" ]; then
    scontrol shutdown >/dev/null 2>&1
    for _ in $(seq 1 20); do
      [ -e "$SCRATCH/slurmctld.pid" ] || [ -e "$SCRATCH/slurmd.pid" ] || break
      sleep 0.5
    done
    for f in slurmctld slurmd; do
      if [ -f "$SCRATCH/$f.pid" ]; then
        pid=$(cat "$SCRATCH/$f.pid")
        kill "$pid" 2>/dev/null
        rm -f "$SCRATCH/$f.pid"
      fi
    done
  fi
  if [ -n "$MUNGED_PID" ]; then
    kill "$MUNGED_PID" 2>/dev/null
  fi
}
show_logs() {
  for f in slurmctld.log slurmd.log; do
    if [ -f "$SCRATCH/$f" ]; then
      echo "--- last lines of $SCRATCH/$f"
      tail -n 30 "$SCRATCH/$f"
    fi
  done
  for f in "$WORK"/job-*.out; do
    [ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }
  done
}
on_exit() {
  rc=$?
  if [ "$rc" -ne 0 ]; then
    say "FAILED (exit $rc)"
    show_logs
  fi
  stop_daemons
  exit "$rc"
}
trap on_exit EXIT

# Refuse to run beside a cluster this script did not start (its ports and files are ours).
if [ -f "$SCRATCH/slurmctld.pid" ] && kill -0 "$(cat "$SCRATCH/slurmctld.pid")" 2>/dev/null; then
  echo "slurm-local: a slurmctld from an earlier run is still running (pid file $SCRATCH/slurmctld.pid)" >&2
  exit 1
fi
rm -rf "$SCRATCH" "$WORK"
mkdir -p "$SCRATCH/state" "$SCRATCH/spool" "$WORK"

if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  say "starting munged"
  if [ ! -s /etc/munge/munge.key ]; then
    mungekey --create --keyfile=/etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key
    chmod 600 /etc/munge/munge.key
  fi
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
  runuser -u munge -- /usr/sbin/munged
  MUNGED_PID=$(cat /run/munge/munged.pid)
  munge -n | unmunge >/dev/null
fi

say "starting slurmctld and slurmd"
slurmctld -c -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N localhost
for i in $(seq 1 120); do
  state=$(sinfo -h -N -n localhost -o %t 2>/dev/null || true)
  [ "$state" = "idle" ] && break
  if [ "$i" -eq 120 ]; then
    echo "slurm-local: node not idle after 60 s (state: ${state:-none})" >&2
    exit 1
  fi
  sleep 0.5
done
sinfo

# --- 3. the job array ---------------------------------------------------------------------
say "submitting $SWEEP as a job array of $SHARDS tasks"
OUT=$WORK/cluster
timeout 900 sbatch --wait --array="0-$((SHARDS - 1))" \
  --output="$WORK/job-%A_%a.out" \
  --export="ALL,MPSIM=$MPSIM,SWEEP=$SWEEP,OUT=$OUT" \
  cluster/sweep-job.sh
for i in $(seq 0 $((SHARDS - 1))); do
  test -f "$OUT/shard-$i/summary.csv" || { echo "slurm-local: shard $i wrote no summary.csv" >&2; exit 1; }
done

# --- 4. merge and compare -----------------------------------------------------------------
say "merging the shards"
shards=()
for i in $(seq 0 $((SHARDS - 1))); do shards+=("$OUT/shard-$i"); done
"$MPSIM" merge "${shards[@]}" --out "$OUT/merged"
say "running the same sweep locally"
"$MPSIM" batch "$SWEEP" --out "$WORK/local" --jobs 2
# summary.csv and its companion tables, and the manifest (which leaves out --shard and --out).
for f in summary.csv subflows.csv hol_histogram.csv links.csv manifest.json; do
  cmp "$OUT/merged/$f" "$WORK/local/$f"
done
runs=$(tail -n +2 "$WORK/local/summary.csv" | cut -d, -f1 | sort -u | wc -l)
rows=$(($(wc -l <"$WORK/local/summary.csv") - 1))
say "OK: merged summary.csv (and subflows.csv, hol_histogram.csv, links.csv, manifest.json) of $SHARDS Slurm tasks byte-identical to the local batch ($runs runs, $rows rows: one per run and flow); $(($(date +%s) - started)) s"
