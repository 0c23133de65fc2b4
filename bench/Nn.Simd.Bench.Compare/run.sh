#!/usr/bin/env bash
# Before/after in one BenchmarkDotNet run: builds the library as it was at commit REF as
# Nn.Simd.Baseline, then benchmarks each GEMM / matrix-vector kernel, single-sample inference and
# the Fashion-MNIST training epochs (a), (b), (c) on both sides. Every pair shares a category, the
# earlier library is the baseline, so the Ratio column is after / before.
#   bench/Nn.Simd.Bench.Compare/run.sh REF [BenchmarkDotNet arguments, default --filter '*']
set -euo pipefail
ref=${1:?usage: run.sh REF [benchmark arguments]}
shift
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
out=$root/artifacts/baseline
rm -rf "$out" && mkdir -p "$out/src"
git -C "$root" archive "$ref" src Directory.Build.props Directory.Packages.props global.json .editorconfig data | tar -x -C "$out/src"
dotnet build "$out/src/src/Nn.Simd/Nn.Simd.csproj" -c Release -p:AssemblyName=Nn.Simd.Baseline -o "$out/bin" -v q -nologo
[ $# -gt 0 ] || set -- --filter '*'
dotnet run -c Release --project "$root/bench/Nn.Simd.Bench.Compare" -- "$@"
