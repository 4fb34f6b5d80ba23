#!/usr/bin/env bash
# Run a sweep as K shards with GNU parallel (on one machine or over ssh with -S), then merge.
#   examples/shards/parallel.sh examples/sweeps/default.toml 8
set -euo pipefail
SWEEP=${1:?usage: parallel.sh SWEEP.toml K}
K=${2:-4}
mkdir -p shards
seq 1 "$K" | parallel --halt now,fail=1 \
  labelbudget simulate --sweep "$SWEEP" --shard "{}/$K" --threads 1 --out "shards/part-{}.csv"
labelbudget merge shards/part-*.csv --out runs.csv
