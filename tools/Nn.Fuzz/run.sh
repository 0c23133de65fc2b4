#!/usr/bin/env bash
# Coverage-guided fuzzing of one loader: instruments Nn.Simd and Nn.Simd.Onnx with SharpFuzz,
# then runs afl-fuzz on TARGET for SECONDS from the committed seed corpus.
#
#   tools/Nn.Fuzz/run.sh TARGET SECONDS        TARGET: model | onnx | idx | csv | checkpoint
#
# Needs afl-fuzz (Debian: apt-get install afl++) and the SharpFuzz.CommandLine tool (installed
# into artifacts/fuzz/tool on first use). Findings go to artifacts/fuzz/TARGET/findings; the script
# ends with afl-fuzz's statistics and fails if a crash or a hang was found. Every crash or hang
# found becomes a regression test (replay one with: dotnet artifacts/fuzz/bin/Nn.Fuzz.dll TARGET < FILE).
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${1:?usage: run.sh model|onnx|idx|csv|checkpoint SECONDS}
seconds=${2:?usage: run.sh model|onnx|idx|csv|checkpoint SECONDS}
case "$target" in model | onnx | idx | csv | checkpoint) ;; *) echo "run.sh: unknown target '$target'" >&2; exit 2 ;; esac
command -v afl-fuzz >/dev/null || { echo "run.sh: afl-fuzz is missing (apt-get install afl++)" >&2; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

root=artifacts/fuzz
tool=$root/tool
bin=$root/bin
# One instrumented build serves every target; two targets started at once share it.
mkdir -p "$root"
exec 9>"$root/.lock"
flock 9
if [ ! -x "$tool/sharpfuzz" ]; then
  dotnet tool install --tool-path "$tool" SharpFuzz.CommandLine --version 2.3.0 >/dev/null
fi
stamp=$(find src tools/Nn.Fuzz Directory.Packages.props Directory.Build.props \( -name bin -o -name obj \) -prune -o -type f \( -name '*.cs' -o -name '*.cs*proj' -o -name '*.props' -o -name '*.proto' \) -print0 \
  | sort -z | xargs -0 cat | sha1sum | cut -c1-16)
if [ "$(cat "$bin/.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$bin"
  dotnet publish tools/Nn.Fuzz -c Release -o "$bin" 2>&1 | grep -E "error|warn" || true
  for dll in Nn.Simd.dll Nn.Simd.Onnx.dll; do
    "$tool/sharpfuzz" "$bin/$dll" >/dev/null
  done
  echo "$stamp" >"$bin/.stamp"
fi
flock -u 9

out=$root/$target
rm -rf "$out/findings"
mkdir -p "$out"
# afl-fuzz checks that its target binary is instrumented; here the instrumentation is in the
# .NET assemblies that dotnet loads, not in dotnet itself. The other settings let it run in a
# container without root's tuning of the CPU governor or the core-dump pattern, beside other work.
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
  AFL_NO_UI=1 AFL_QUIET=1
status=0
afl-fuzz -i "tools/Nn.Fuzz/corpus/$target" -o "$out/findings" -t 5000 -m none -V "$seconds" \
  -- dotnet "$bin/Nn.Fuzz.dll" "$target" >"$out/afl.log" 2>&1 || status=$?
stats=$out/findings/default/fuzzer_stats
if [ ! -f "$stats" ]; then
  tail -30 "$out/afl.log"
  echo "run.sh: afl-fuzz did not start (exit $status)" >&2
  exit 1
fi
value() { awk -F' *: *' -v k="$1" '$1 == k {print $2}' "$stats"; }
crashes=$(value saved_crashes)
hangs=$(value saved_hangs)
echo "fuzz $target: $(value run_time) s, $(value execs_done) executions, $(value execs_per_sec) execs/s," \
  "corpus $(value corpus_count), coverage $(value bitmap_cvg), crashes ${crashes:-?}, hangs ${hangs:-?}"
[ "${crashes:-1}" = 0 ] && [ "${hangs:-1}" = 0 ]
