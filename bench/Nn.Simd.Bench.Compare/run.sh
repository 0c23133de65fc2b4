#!/usr/bin/env bash
# Before/after in one BenchmarkDotNet run: builds the library as it was at commit REF as
# Nn.Simd.Baseline, then benchmarks each GEMM / matrix-vector kernel, single-sample and batch
# inference and the Fashion-MNIST training epochs (a), (b), (c) in two jobs, Before (the earlier
# library, the baseline) and After, each in its own processes, so the Ratio column is after /
# before. compare-report.py beside this script then lists, pair by pair, the medians and the
# 99.9 % confidence intervals of the means, and names every pair where After is slower beyond them.
#   bench/Nn.Simd.Bench.Compare/run.sh REF [--launches N, default 3] [BenchmarkDotNet arguments]
# (--filter '*' unless the arguments hold a --filter).
set -euo pipefail
ref=${1:?usage: run.sh REF [--launches N] [benchmark arguments]}
shift
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
out=$root/artifacts/baseline
rm -rf "$out" && mkdir -p "$out/src"
git -C "$root" archive "$ref" src Directory.Build.props Directory.Packages.props global.json .editorconfig data | tar -x -C "$out/src"
# The earlier library granted its internals to the bench project under another name: grant them to
# this one as well (metadata only; no code changes), so that its ParallelGemm can be measured.
cat > "$out/src/Directory.Build.targets" <<'XML'
<Project>
  <ItemGroup Condition="'$(MSBuildProjectName)' == 'Nn.Simd'">
    <InternalsVisibleTo Include="Nn.Simd.Bench.Compare" />
  </ItemGroup>
</Project>
XML
dotnet build "$out/src/src/Nn.Simd/Nn.Simd.csproj" -c Release -p:AssemblyName=Nn.Simd.Baseline -o "$out/bin" -v q -nologo
case " $* " in *" --filter "*) ;; *) set -- "$@" --filter '*' ;; esac
dotnet run -c Release --project "$root/bench/Nn.Simd.Bench.Compare" -- "$@"
python3 "$root/bench/Nn.Simd.Bench.Compare/compare-report.py" "$root/BenchmarkDotNet.Artifacts/results"
