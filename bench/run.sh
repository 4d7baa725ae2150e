#!/usr/bin/env bash
# Builds the benchmark in Release and runs it once, printing the figures and keeping a copy in bench/results/.
#   bench/run.sh            the full run (1,000,000 records; about half an hour on 2 cores)
#   bench/run.sh --quick    a smoke run of under two minutes, for CI
# Other arguments (see bench/README.md) pass through, e.g. bench/run.sh --records 200000 --no-fsync
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
dotnet build bench/ProvisionLedger.Bench/ProvisionLedger.Bench.csproj -c Release --nologo -v quiet -clp:ErrorsOnly >&2
mkdir -p bench/results
kind=full
[[ " $* " == *" --quick "* ]] && kind=quick
out="bench/results/$(date +%Y-%m-%d).txt"
[[ $kind == quick ]] && out="bench/results/$(date +%Y-%m-%d)-quick.txt"
dotnet bench/ProvisionLedger.Bench/bin/Release/net10.0/ProvisionLedger.Bench.dll "$@" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
echo "(kept in $out)" >&2
exit "$status"
