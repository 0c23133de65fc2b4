#!/usr/bin/env bash
# Before/after in one BenchmarkDotNet run: builds the library as it was at commit REF as
# Nn.Simd.Baseline, then benchmarks each GEMM / matrix-vector kernel, single-sample and batch
# inference and the Fashion-MNIST training epochs (a), (b), (c) in two jobs, Before (the earlier
# library, the baseline) and After, each in its own processes, so the Ratio column is after /
# before. It does so twice, Before's processes of each case first and then After's first (the
# second to run measured slower in the same code), into artifacts/compare/before-first and
# after-first. compare-report.py beside this script then takes each launch (one process: one draw of
# code placement and machine load) as one value, the median of its iterations, pools both runs, and
# lists, pair by pair, the medians and the 99.9 % confidence interval of the change after / before
# over the launches, naming every pair where After is slower beyond it.
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
rm -rf "$root/artifacts/compare"
dotnet build -c Release "$root/bench/Nn.Simd.Bench.Compare" -v q -nologo
dotnet run -c Release --no-build --project "$root/bench/Nn.Simd.Bench.Compare" -- "$@" --artifacts "$root/artifacts/compare/before-first"
dotnet run -c Release --no-build --project "$root/bench/Nn.Simd.Bench.Compare" -- "$@" --after-first --artifacts "$root/artifacts/compare/after-first"
python3 "$root/bench/Nn.Simd.Bench.Compare/compare-report.py" "$root/artifacts/compare/before-first/results" "$root/artifacts/compare/after-first/results"
