#!/usr/bin/env python3
"""Pair by pair, the Before and After jobs of one or more bench/Nn.Simd.Bench.Compare runs.

    compare-report.py RESULTS_DIR [RESULTS_DIR ...]
        (each a BenchmarkDotNet results folder holding the *-measurements.csv files)

The unit of comparison is the launch, not the iteration. Each launch is a process of its own: one
draw of where the JIT puts the code and of the machine's load in those seconds, shared by all its
iterations. On the shared VMs this runs on, the same code measured in two launches differs by far
more than its iterations within one (Before's own GemmBias 10×30×784 on AVX-512: launch medians
1.97–2.39 µs, iterations within a launch ±2 %), so pooled iterations are not independent samples
and their interval claims a precision the runs do not have: it named pairs "slower" whose micro-
kernels compile to the same bytes. So, for each benchmark case (method and parameters), each job's
launches over every run given (run.sh gives two: one with Before's processes first, one with
After's first) each contribute one value, the median of their measured iterations; the report
prints the median of those per job, the ratio of their means after / before, and the 99.9 %
confidence interval of that difference as a fraction of Before's mean (Welch's t, with the
Welch–Satterthwaite degrees of freedom). A pair is "slower" when the whole interval lies above 0:
After slower beyond the error. It is "faster" in the mirror case, and "within" otherwise. Exits 1
if any pair is slower. More launches (run.sh --launches N) narrow the interval.
"""
import csv, glob, math, os, statistics, sys


def launches(directories):
    """(case, job) → the median time per operation, in ns, of each launch's measured iterations."""
    found = {}
    for number, directory in enumerate(directories):
        for path in sorted(glob.glob(os.path.join(directory, "*-measurements.csv"))):
            with open(path, newline="") as f:
                for row in csv.DictReader(f):
                    if row["Measurement_IterationMode"] != "Workload" or row["Measurement_IterationStage"] != "Actual":
                        continue
                    case = (row["Target_Type"], row["Target_Method"], row["Params"])
                    launch = (number, row["Measurement_LaunchIndex"])
                    value = float(row["Measurement_Nanoseconds"]) / float(row["Measurement_Operations"])
                    found.setdefault((case, row["Job_Id"]), {}).setdefault(launch, []).append(value)
    return {key: [statistics.median(values) for values in per.values()] for key, per in found.items()}


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


def difference(before, after):
    """After's mean minus Before's, and the 99.9 % confidence interval of it, both as fractions of Before's mean."""
    mb, ma = statistics.fmean(before), statistics.fmean(after)
    vb, va = statistics.variance(before) / len(before), statistics.variance(after) / len(after)
    se = math.sqrt(vb + va)
    df = (vb + va) ** 2 / (vb * vb / (len(before) - 1) + va * va / (len(after) - 1)) if se > 0 else 1e9
    error = t_quantile(0.9995, df) * se
    return (ma - mb) / mb, (ma - mb - error) / mb, (ma - mb + error) / mb


def unit(ns):
    for factor, name in ((1e9, "s"), (1e6, "ms"), (1e3, "µs")):
        if ns >= factor:
            return f"{ns / factor:,.3f} {name}"
    return f"{ns:,.1f} ns"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    pairs = {}
    for (case, job), values in launches(sys.argv[1:]).items():
        pairs.setdefault(case, {})[job] = values
    slower = faster = within = 0
    print(f"{'case':64} {'before median':>14} {'after median':>14} {'after/before':>12}  verdict")
    for key in sorted(pairs):
        sides = pairs[key]
        name = f"{key[0]}.{key[1]} {key[2]}"
        if len(sides.get("Before", [])) < 2 or len(sides.get("After", [])) < 2:
            print(f"{name[:64]:64} incomplete: launches {[(job, len(v)) for job, v in sorted(sides.items())]}")
            continue
        change, low, high = difference(sides["Before"], sides["After"])
        verdict = "slower" if low > 0 else "faster" if high < 0 else "within"
        slower += verdict == "slower"
        faster += verdict == "faster"
        within += verdict == "within"
        bm, am = statistics.median(sides["Before"]), statistics.median(sides["After"])
        print(f"{name[:64]:64} {unit(bm):>14} {unit(am):>14} {1 + change:12.3f}  {verdict}"
              f"  (99.9 % CI of the change {low:+.1%} to {high:+.1%}; {len(sides['Before'])} and {len(sides['After'])} launches)")
    print(f"{len(pairs)} pairs: {faster} faster beyond the error, {within} within it, {slower} slower beyond it")
    sys.exit(1 if slower else 0)


if __name__ == "__main__":
    main()
