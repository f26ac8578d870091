#!/bin/bash
# One task of a Slurm job array: runs shard I of N of a sweep, I = the array index and
# N = the array's size, into its own batch directory OUT/shard-I. Submitted by
# cluster/slurm-local.sh as
#   sbatch --array=0-$((N-1)) --export=ALL,MPSIM=...,SWEEP=...,OUT=... cluster/sweep-job.sh
# and joined afterwards with `mpsim merge OUT/shard-* --out OUT/merged`.
#SBATCH --job-name=mpsim-sweep
#SBATCH --cpus-per-task=1
#SBATCH --time=00:30:00
set -euo pipefail
: "${MPSIM:?path of the mpsim binary}" "${SWEEP:?the sweep file}" "${OUT:?the output directory}"
"$MPSIM" batch "$SWEEP" \
    --out "$OUT/shard-$SLURM_ARRAY_TASK_ID" \
    --shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" \
    --jobs "${SLURM_CPUS_PER_TASK:-1}" --resume
