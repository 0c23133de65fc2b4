#!/usr/bin/env bash
# Before/after in BenchmarkDotNet: builds the library as it was at commit REF as Nn.Simd.Baseline,
# then benchmarks each GEMM / matrix-vector kernel, single-sample and batch inference and the
# Fashion-MNIST training epochs (a), (b), (c) in two jobs, Before (the earlier library, the
# baseline) and After, each in a process of its own, so the Ratio column is after / before.
#
# It does so in ROUNDS rounds (default 10), one launch of each job per case and round, so that a
# case's Before and After launches run seconds apart: the machine's load drifts over minutes, and
# launches of one job run back to back share it (a block of After launches all at +5 % beside their
# Before block, gone when rerun), so the pair, not the launch, is the independent draw. Rounds
# alternate which job runs first (the second to run measured a latency-bound kernel up to 13 %
# slower in the same code), into artifacts/compare/NN-before-first and NN-after-first.
# compare-report.py beside this script then takes, case by case, each round's after / before and
# names every pair whose 99.9 % confidence interval of the change lies wholly above 0.
# The Before side calls the earlier library through the same API as the After side (the extern
# alias Baseline in Benchmarks.cs), so REF must have this library's public API; run.sh REF with REF
# the current commit is an A/A run, both jobs the same code, which shows how often the report names
# a change where there is none.
#   bench/Nn.Simd.Bench.Compare/run.sh REF [--rounds N, even, default 10] [BenchmarkDotNet arguments]
# (--filter '*' unless the arguments hold a --filter).
#   bench/Nn.Simd.Bench.Compare/run.sh REF --build-only     builds both sides and runs nothing (CI
# builds it so against the commit under test, so that the comparison keeps compiling as the API moves).
set -euo pipefail
ref=${1:?usage: run.sh REF [--rounds N] [benchmark arguments]}
shift
rounds=10
build_only=false
if [[ ${1:-} == --build-only ]]; then
  build_only=true
  shift
fi
if [[ ${1:-} == --rounds ]]; then
  rounds=${2:?--rounds needs a number}
  shift 2
fi
if ! [[ $rounds =~ ^[0-9]+$ ]] || ((rounds < 4 || rounds % 2)); then
  echo "run.sh: --rounds is '$rounds'; it must be an even number ≥ 4 (half the rounds run each job first)." >&2
  exit 2
fi
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
dotnet build -c Release "$root/bench/Nn.Simd.Bench.Compare" -v q -nologo
if $build_only; then
  exit 0
fi
rm -rf "$root/artifacts/compare"
results=()
for ((round = 1; round <= rounds; round++)); do
  if ((round % 2)); then order=before-first; first=(); else order=after-first; first=(--after-first); fi
  dir=$root/artifacts/compare/$(printf %02d "$round")-$order
  dotnet run -c Release --no-build --project "$root/bench/Nn.Simd.Bench.Compare" -- "$@" "${first[@]}" --artifacts "$dir"
  results+=("$dir/results")
done
python3 "$root/bench/Nn.Simd.Bench.Compare/compare-report.py" "${results[@]}"
