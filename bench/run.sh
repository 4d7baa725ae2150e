#!/usr/bin/env bash
# Builds the benchmark in Release and runs it once, printing the figures and keeping a copy in bench/results/.
#   bench/run.sh            the full run (stages of 1M, 3M and 10M records; about 2.5 hours on 2 cores, see bench/README.md)
#   bench/run.sh --quick    a smoke run of under two minutes, for CI
# Other arguments (see bench/README.md) pass through, e.g. bench/run.sh --sizes 1000000,3000000 --no-fsync
# The output is kept in bench/results/<date>-<time>[-quick].txt: a run never overwrites an earlier one.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
dotnet build bench/ProvisionLedger.Bench/ProvisionLedger.Bench.csproj -c Release --nologo -v quiet -clp:ErrorsOnly >&2
mkdir -p bench/results
kind=full
[[ " $* " == *" --quick "* ]] && kind=quick
stamp=$(date -u +%Y-%m-%d-%H%M)
out="bench/results/$stamp.txt"
[[ $kind == quick ]] && out="bench/results/$stamp-quick.txt"
set +e
dotnet bench/ProvisionLedger.Bench/bin/Release/net10.0/ProvisionLedger.Bench.dll "$@" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
set -e
echo "(kept in $out)" >&2
exit "$status"
