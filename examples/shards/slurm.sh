#!/usr/bin/env bash
# Run a sweep as a SLURM job array of K shards, then merge them.
#   sbatch --array=1-8 examples/shards/slurm.sh examples/sweeps/default.toml
#   (after the array finishes)  labelbudget merge shards/part-*.csv --out runs.csv
# Every shard is a deterministic slice of whole (scenario, seed) groups; the merged file has
# exactly the rows of the unsplit run, in the same order.
#SBATCH --job-name=labelbudget-sweep
#SBATCH --cpus-per-task=8
#SBATCH --time=02:00:00
set -euo pipefail
SWEEP=${1:?usage: sbatch --array=1-K slurm.sh SWEEP.toml}
K=${SLURM_ARRAY_TASK_COUNT:?run as a job array}
I=${SLURM_ARRAY_TASK_ID}
mkdir -p shards
labelbudget simulate --sweep "$SWEEP" --shard "$I/$K" --threads "${SLURM_CPUS_PER_TASK:-1}" \
  --out "shards/part-$I.csv"
