#!/usr/bin/env bash
# Training throughput of config (c) [784,256,256,10] on Fashion-MNIST at mini-batch 256: one
# process (1 and 2 threads, unsharded and sharded) against `mpirun -np 2` (1 thread each), in
# ROUNDS interleaved rounds so that every configuration meets the same machine. Each run trains
# EPOCHS epochs; the first (JIT warm-up, buffer sizing) is dropped and the figure is the median
# samples/s of the others over all rounds, from process 0's --metrics file. Runs that keep both
# cores busy warm up more slowly (the JIT's recompilation of hot methods has no idle core to run
# on: with .NET's default tiers, epochs 2–3 of `-np 2` measured 221–271 k samples/s and later ones
# 251–309 k; nn runs without the instrumented tier, which shortens this), so the default of
# 10 epochs lets the steady state decide the median. Two configurations
# do exactly what one of the two processes of `-np 2 --shards 8` computes (4 shards of 32), alone,
# and of `-np 2 --shards 2` (mini-batch 128), twice at once as two independent processes: the
# floor of a `-np 2` step on two cores, with nothing exchanged. The difference of the step times is
# what the exchange costs.
#
#   bench/mpi/scaling.sh [ROUNDS] [EPOCHS]      (defaults 3 and 10; needs mpirun and a Release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
epochs=${2:-10}
nn=(dotnet "$PWD/tools/Nn.Cli/bin/Release/net10.0/nn.dll")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
config=(train --data fashion-mnist --layers 784,256,256,10 --activation relu --cost log-likelihood --eta 0.1 --init he --epochs "$epochs")

names=("1 process x 1 thread" "1 process x 2 threads" "2 processes x 1 thread, S=8" "2 processes x 1 thread, S=2" "1 process x 1 thread, S=8" "1 process x 2 threads, S=8" "1 x 1, batch 128, S=4 (one rank's work)"
  "2 processes x 1 thread, S=2, -bind-to core" "two 1 x 1, batch 128, at once (floor)")
run() { # index, metrics file
  case $1 in
    0) "${nn[@]}" "${config[@]}" --batch 256 --threads 1 --metrics "$2" ;;
    1) "${nn[@]}" "${config[@]}" --batch 256 --threads 2 --metrics "$2" ;;
    2) mpirun -np 2 "${nn[@]}" "${config[@]}" --batch 256 --threads 1 --shards 8 --metrics "$2" ;;
    3) mpirun -np 2 "${nn[@]}" "${config[@]}" --batch 256 --threads 1 --shards 2 --metrics "$2" ;;
    4) "${nn[@]}" "${config[@]}" --batch 256 --threads 1 --shards 8 --metrics "$2" ;;
    5) "${nn[@]}" "${config[@]}" --batch 256 --threads 2 --shards 8 --metrics "$2" ;;
    6) "${nn[@]}" "${config[@]}" --batch 128 --threads 1 --shards 4 --metrics "$2" ;;
    7) mpirun -bind-to core -np 2 "${nn[@]}" "${config[@]}" --batch 256 --threads 1 --shards 2 --metrics "$2" ;;
    8) "${nn[@]}" "${config[@]}" --batch 128 --threads 1 --metrics "$2.other" > /dev/null & other=$!
       "${nn[@]}" "${config[@]}" --batch 128 --threads 1 --metrics "$2"; wait "$other" ;;
  esac > "$work/out" 2>&1 || { cat "$work/out"; exit 1; }
}

"${nn[@]}" cpu | grep -E '^(kernel path|cpu) '
for round in $(seq "$rounds"); do
  for i in "${!names[@]}"; do
    run "$i" "$work/m-$i-$round.json"
    hash=$(grep -Eo 'weights hash 0x[0-9A-F]+' "$work/out" | awk '{print $3}')
    echo "round $round: ${names[$i]}: weights $hash"
  done
done

python3 - "$work" "$rounds" "${names[@]}" <<'PY'
import json, statistics, sys
work, rounds, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
medians = []
for i, name in enumerate(names):
    rates = []
    for r in range(1, rounds + 1):
        epochs = json.load(open(f"{work}/m-{i}-{r}.json"))["epochs"]
        rates += [e["samplesPerSecond"] for e in epochs[1:]]
    medians.append(statistics.median(rates))
base, two_threads = medians[0], medians[1]
print(f"{'configuration':42} {'samples/s':>10} {'vs 1x1':>7} {'vs 1x2':>7} {'ms/step':>8}")
for i, name in enumerate(names):
    batch = 128 if i in (6, 8) else 256
    print(f"{name:42} {medians[i]:10,.0f} {medians[i] / base:7.2f} {medians[i] / two_threads:7.2f} {1000 * batch / medians[i]:8.3f}")
print(f"exchange per step at -np 2, S=8: {1000 * 256 / medians[2] - 1000 * 128 / medians[6]:.3f} ms "
      f"(the -np 2 step minus one rank's work alone)")
print(f"exchange per step at -np 2, S=2: {1000 * 256 / medians[3] - 1000 * 128 / medians[8]:.3f} ms "
      f"(the -np 2 step minus the floor); the floor is {256 / (1000 * 128 / medians[8]) * 1000 / base:.2f}x of 1 x 1")
PY
