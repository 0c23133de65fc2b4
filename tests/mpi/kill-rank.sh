#!/usr/bin/env bash
# A process killed in the middle of an epoch: `mpirun -np 3 nn train` must end, all of it, within
# 30 s, with a non-zero exit code and one clear line (the launcher's: the killed process cannot say
# anything, and the launcher kills the others outright), at most one from nn, and leave the model
# file that --out names as it was (process 0 writes it only after the last epoch, atomically) and
# the last checkpoint whole. Then `mpirun -np 2 nn train --resume` from that checkpoint (another
# number of processes, the same 6 shards) must finish with a model file byte-identical to the one
# an uninterrupted `mpirun -np 2` run of the same command line writes.
#
#   tests/mpi/kill-rank.sh [NN_COMMAND…]      default: dotnet tools/Nn.Cli/bin/Release/net10.0/nn.dll
#
# Needs mpirun (MPICH: apt-get install mpich) and a built nn.
set -euo pipefail
cd "$(dirname "$0")/../.."
nn=("$@")
[ ${#nn[@]} -gt 0 ] || nn=(dotnet "$PWD/tools/Nn.Cli/bin/Release/net10.0/nn.dll")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
model="$work/model.nnm"
checkpoint="$work/run.ckpt"
# Momentum, so that the optimizer state in the checkpoint matters as much as the weights.
run=(train --batch 10 --shards 6 --optimizer momentum)

# The model a previous run left: the one that must survive.
"${nn[@]}" train --epochs 1 --out "$model" > /dev/null
before=$(sha256sum "$model" | awk '{print $1}')

# Long enough to be killed in the middle: many epochs of small mini-batches.
mpirun -np 3 "${nn[@]}" "${run[@]}" --epochs 100000 --checkpoint "$checkpoint" --out "$model" --force > "$work/out" 2> "$work/err" &
launcher=$!

# Wait for the first epoch line, then kill process 1 (found by the rank its launcher gave it).
for _ in $(seq 600); do grep -q '^epoch' "$work/out" 2>/dev/null && break; sleep 0.1; done
grep -q '^epoch' "$work/out" || { echo "kill-rank: training never printed an epoch"; kill "$launcher"; exit 1; }
victim=
for pid in $(pgrep -f "nn.dll ${run[*]} --epochs 100000" || true); do
  if tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx 'PMI_RANK=1'; then victim=$pid; fi
done
[ -n "$victim" ] || { echo "kill-rank: no process with PMI_RANK=1"; kill "$launcher"; exit 1; }
start=$(date +%s.%N)
kill -9 "$victim"

# The whole job must end within 30 s.
status=
for _ in $(seq 300); do
  if ! kill -0 "$launcher" 2>/dev/null; then set +e; wait "$launcher"; status=$?; set -e; break; fi
  sleep 0.1
done
seconds=$(echo "$(date +%s.%N) - $start" | bc)
if [ -z "$status" ]; then
  echo "kill-rank: FAILED: the job still runs 30 s after process 1 was killed"
  pkill -9 -P "$launcher" || true; kill -9 "$launcher" || true
  exit 1
fi
left=$(pgrep -f "nn.dll ${run[*]} --epochs 100000" || true)
after=$(sha256sum "$model" | awk '{print $1}')
nn_lines=$(grep -c '^nn: ' "$work/err" || true)
echo "kill-rank: killed process 1 (pid $victim); mpirun exited with $status after ${seconds} s"
# The launcher's report: MPICH's Hydra kills the other processes (SIGKILL, so they cannot add a word)
# and prints a banner naming the PID and signal, ending with "YOUR APPLICATION TERMINATED WITH THE EXIT STRING: …".
echo "kill-rank: the launcher said: $(grep -h 'TERMINATED WITH THE EXIT STRING\|mpirun noticed\|exited on signal' "$work/out" "$work/err" | head -1)"
echo "kill-rank: nn's lines on stderr ($nn_lines):"; grep '^nn: ' "$work/err" | sed 's/^/  /' || true
failed=0
[ "$status" -ne 0 ] || { echo "kill-rank: FAILED: exit code 0"; failed=1; }
[ -z "$left" ] || { echo "kill-rank: FAILED: processes left: $left"; failed=1; }
[ "$before" = "$after" ] || { echo "kill-rank: FAILED: the model file changed"; failed=1; }
[ "$nn_lines" -le 1 ] || { echo "kill-rank: FAILED: more than one line from nn"; failed=1; }
[ "$failed" -eq 0 ] || exit 1
echo "kill-rank: model file intact: $after"

# The checkpoint of the last complete epoch K (its header's int32 at offset 40,
# docs/checkpoint-format.md) resumes on 2 processes up to K + 3 epochs; the uninterrupted run of
# the same command line on 2 processes must write the same bytes. Loading checks the checkpoint's
# checksum, so a torn file fails here.
done_epochs=$(python3 -c 'import struct, sys; print(struct.unpack_from("<i", open(sys.argv[1], "rb").read(44), 40)[0])' "$checkpoint" 2>/dev/null || echo 0)
[ "$done_epochs" -ge 1 ] || { echo "kill-rank: FAILED: no checkpoint of a complete epoch in $checkpoint"; exit 1; }
epochs=$((done_epochs + 3))
if ! mpirun -np 2 "${nn[@]}" "${run[@]}" --epochs "$epochs" --resume "$checkpoint" --out "$work/resumed.nnm" > "$work/resumed" 2>&1; then
  echo "kill-rank: FAILED: mpirun -np 2 --resume did not finish:"; tail -5 "$work/resumed"; exit 1
fi
grep -q "^resumed  after epoch $done_epochs " "$work/resumed" || { echo "kill-rank: FAILED: the run did not resume after epoch $done_epochs"; exit 1; }
mpirun -np 2 "${nn[@]}" "${run[@]}" --epochs "$epochs" --out "$work/whole.nnm" > "$work/whole" 2>&1 || { echo "kill-rank: FAILED: the uninterrupted run failed"; tail -5 "$work/whole"; exit 1; }
resumed=$(sha256sum "$work/resumed.nnm" | awk '{print $1}')
whole=$(sha256sum "$work/whole.nnm" | awk '{print $1}')
echo "kill-rank: -np 3 checkpoint of epoch $done_epochs, resumed on -np 2 to epoch $epochs: $resumed; uninterrupted -np 2: $whole"
[ "$resumed" = "$whole" ] || { echo "kill-rank: FAILED: the resumed model differs from the uninterrupted run's"; exit 1; }
echo "kill-rank: passed"
