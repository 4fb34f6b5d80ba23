#!/bin/sh
# Regenerate the models compiled into labelbudget. One command, from the repository root:
#   models/regenerate.sh [LCDB_CURVES]
# 1. models/default.toml, the surrogate of the simulation world: runs the default sweep (all
#    cores; results are identical for any thread count), then fits.
# 2. models/real-curves.toml, the prior `calibrate --pilot` extrapolates real pilots with,
#    learned from LCDB 1.0's development curves (MIT licence; see docs/real-curves.md for the
#    file and how to rebuild it from the PyPI package lcdb 0.1.0). LCDB_CURVES defaults to
#    ../shared/lcdb/curves.csv.gz. Pass "-" to skip step 1 and learn only the prior:
#      models/regenerate.sh - path/to/curves.csv.gz
set -eu
cd "$(dirname "$0")/.."
if [ "${1:-}" = "-" ]; then
  shift
else
  mkdir -p out
  cargo run --release -- simulate --sweep examples/sweeps/default.toml --no-timing --out out/default-runs.csv
  cargo run --release -- fit --runs out/default-runs.csv --covariate n --weigh-counts --out models/default.toml --holdout
fi
CURVES="${1:-../shared/lcdb/curves.csv.gz}"
cargo run --release -- prior --curves "$CURVES" --out models/real-curves.toml \
  --source "LCDB 1.0 (Mohr, Viering, Loog, van Rijn, ECML-PKDD 2022), database-accuracy.csv of the PyPI package lcdb 0.1.0, MIT licence, copyright 2021 Felix Mohr; development curves with a largest training size of at least 1,000"
