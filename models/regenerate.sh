#!/bin/sh
# Refit the calibrated default surrogate compiled into labelbudget (models/default.toml).
# One command, from the repository root:   models/regenerate.sh
# It runs the default sweep (all cores; results are identical for any thread count), then fits.
set -eu
cd "$(dirname "$0")/.."
mkdir -p out
cargo run --release -- simulate --sweep examples/sweeps/default.toml --no-timing --out out/default-runs.csv
cargo run --release -- fit --runs out/default-runs.csv --covariate n --out models/default.toml --holdout
