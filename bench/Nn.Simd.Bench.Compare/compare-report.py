#!/usr/bin/env python3
"""Pair by pair, the Before and After jobs of the rounds of a bench/Nn.Simd.Bench.Compare run.

    compare-report.py RESULTS_DIR [RESULTS_DIR ...]
        (each a BenchmarkDotNet results folder holding the *-measurements.csv files of one round;
        a folder whose path names "after-first" is a round where After's processes ran first)

The unit of comparison is the round, not the iteration or the launch. Each launch is a process of
its own: one draw of where the JIT puts the code and of the machine's load in those seconds, shared
by all its iterations, so pooled iterations are not independent samples (Before's own GemmBias
10×30×784 on AVX-512: launch medians 1.97–2.39 µs, iterations within a launch ±2 %). Nor are the
launches of one job that run back to back: the load of these shared VMs drifts over minutes, and
such a block of launches shares it. Taken as independent, launches named 1 to 4 of 70 pairs
"slower" in each of three runs, different pairs each time, where a 99.9 % interval should name
about 0.07; of the five that were rerun with 24–30 launches a side, four were within (among them
GemmBias 10×30×784 on AVX-512, whose eight After launches had all been slower than its eight Before
launches). A case's Before and After launches of one round run seconds apart, under the same
load: so each round gives one value, log(after / before) of the medians of the two launches'
measured iterations. The rounds alternate which job runs first, and the job that runs second can
measure slower in the same code, so the change is the mean of the two orders' means (the order
effect cancels) and its error comes from the spread within each order (Student's t, n − 2 degrees
of freedom). The report prints the median of each job's launch values, the estimated change
after / before and its 99.9 % confidence interval. A pair is "slower" when the whole interval lies
above 0: After slower beyond the error. It is "faster" in the mirror case, and "within" otherwise.
Exits 1 if any pair is slower. More rounds (run.sh --rounds N) narrow the interval.
"""
import csv, glob, math, os, statistics, sys


def launches(directories):
    """(case, job) → {round: the median time per operation, in ns, of each of its launches' measured iterations}."""
    found = {}
    for number, directory in enumerate(directories):
        for path in sorted(glob.glob(os.path.join(directory, "*-measurements.csv"))):
            with open(path, newline="") as f:
                for row in csv.DictReader(f):
                    if row["Measurement_IterationMode"] != "Workload" or row["Measurement_IterationStage"] != "Actual":
                        continue
                    case = (row["Target_Type"], row["Target_Method"], row["Params"])
                    value = float(row["Measurement_Nanoseconds"]) / float(row["Measurement_Operations"])
                    per = found.setdefault((case, row["Job_Id"]), {}).setdefault(number, {})
                    per.setdefault(row["Measurement_LaunchIndex"], []).append(value)
    return {key: {r: [statistics.median(v) for v in per.values()] for r, per in rounds.items()} for key, rounds in found.items()}


def t_quantile(p, df):
    """Student's t quantile for probability p > 0.5: bisection on the CDF, integrated by Simpson's rule."""
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)

    def cdf(x, steps=2000):
        h = x / steps
        f = lambda t: c * (1 + t * t / df) ** (-(df + 1) / 2)
        total = f(0) + f(x) + sum((4 if i % 2 else 2) * f(i * h) for i in range(1, steps))
        return 0.5 + total * h / 3

    low, high = 0.0, 50.0
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if cdf(mid) < p else (low, mid)
    return (low + high) / 2


def difference(before, after, after_first):
    """
    The change after / before − 1 and its 99.9 % confidence interval, from each round's Before and
    After values: the mean over the two orders of each order's mean log(after / before), its error
    from the spread within each order (pooled variance, Student's t with n − 2 degrees of freedom).
    """
    groups = {}
    for r in before:
        groups.setdefault(after_first[r], []).append(math.log(statistics.median(after[r]) / statistics.median(before[r])))
    means = [statistics.fmean(g) for g in groups.values()]
    n = sum(len(g) for g in groups.values())
    pooled = sum((x - m) ** 2 for g, m in zip(groups.values(), means) for x in g) / (n - len(groups))
    se = math.sqrt(pooled * sum(1 / len(g) for g in groups.values())) / len(groups)
    centre = statistics.fmean(means)
    error = t_quantile(0.9995, n - len(groups)) * se if se > 0 else 0.0
    return math.expm1(centre), math.expm1(centre - error), math.expm1(centre + error)


def unit(ns):
    for factor, name in ((1e9, "s"), (1e6, "ms"), (1e3, "µs")):
        if ns >= factor:
            return f"{ns / factor:,.3f} {name}"
    return f"{ns:,.1f} ns"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    directories = sys.argv[1:]
    after_first = {number: "after-first" in os.path.abspath(d) for number, d in enumerate(directories)}
    pairs = {}
    for (case, job), rounds in launches(directories).items():
        pairs.setdefault(case, {})[job] = rounds
    slower = faster = within = 0
    print(f"{'case':64} {'before median':>14} {'after median':>14} {'after/before':>12}  verdict")
    for key in sorted(pairs):
        sides = pairs[key]
        name = f"{key[0]}.{key[1]} {key[2]}"
        both = sorted(set(sides.get("Before", {})) & set(sides.get("After", {})))
        orders = [sum(after_first[r] == o for r in both) for o in (False, True)]
        if min(orders) < 2:
            print(f"{name[:64]:64} incomplete: rounds with both jobs, Before first and After first: {orders}; each order needs 2")
            continue
        before = {r: sides["Before"][r] for r in both}
        after = {r: sides["After"][r] for r in both}
        change, low, high = difference(before, after, after_first)
        verdict = "slower" if low > 0 else "faster" if high < 0 else "within"
        slower += verdict == "slower"
        faster += verdict == "faster"
        within += verdict == "within"
        bm = statistics.median(v for r in both for v in before[r])
        am = statistics.median(v for r in both for v in after[r])
        print(f"{name[:64]:64} {unit(bm):>14} {unit(am):>14} {1 + change:12.3f}  {verdict}"
              f"  (99.9 % CI of the change {low:+.1%} to {high:+.1%}; {len(both)} rounds)")
    print(f"{len(pairs)} pairs: {faster} faster beyond the error, {within} within it, {slower} slower beyond it")
    sys.exit(1 if slower else 0)


if __name__ == "__main__":
    main()
