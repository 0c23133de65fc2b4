#!/usr/bin/env python3
"""Pair by pair, the Before and After jobs of one or more bench/Nn.Simd.Bench.Compare runs.

    compare-report.py RESULTS_DIR [RESULTS_DIR ...]
        (each a BenchmarkDotNet results folder holding the *-report-full.json files)

For each benchmark case (method and parameters) pools each job's iterations over every run given
(run.sh gives two: one with Before's processes first, one with After's first, so that neither side
always runs in the minutes after the other; each run's values are BenchmarkDotNet's, its outliers
already removed), and prints both medians, their ratio after / before, and the 99.9 % confidence
interval of each job's mean (Student's t; for one run, BenchmarkDotNet's own Error column). A pair is
"slower" when After's interval lies wholly above Before's: slower beyond the error of both. It is
"faster" in the mirror case, and "within" otherwise. Exits 1 if any pair is slower.
"""
import glob, json, math, os, statistics, sys


def runs(directories):
    for directory in directories:
        for path in sorted(glob.glob(os.path.join(directory, "*-report-full.json"))):
            for b in json.load(open(path))["Benchmarks"]:
                stats = b.get("Statistics")
                if not stats:
                    continue
                # DisplayInfo reads "Type.Method: JobId(characteristics) [parameters]".
                job = b["DisplayInfo"].split(": ", 1)[1].split("(", 1)[0].strip()
                yield (b["Type"], b["Method"], b["Parameters"]), job, stats["OriginalValues"]


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


def summary(values):
    """Median and 99.9 % confidence interval of the mean."""
    mean = statistics.fmean(values)
    error = t_quantile(0.9995, len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    return statistics.median(values), mean - error, mean + error


def unit(ns):
    for factor, name in ((1e9, "s"), (1e6, "ms"), (1e3, "µs")):
        if ns >= factor:
            return f"{ns / factor:,.3f} {name}"
    return f"{ns:,.1f} ns"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    pairs = {}
    for key, job, values in runs(sys.argv[1:]):
        pairs.setdefault(key, {}).setdefault(job, []).extend(values)
    slower = faster = within = 0
    print(f"{'case':64} {'before median':>14} {'after median':>14} {'after/before':>12}  verdict")
    for key in sorted(pairs):
        sides = pairs[key]
        if "Before" not in sides or "After" not in sides:
            print(f"{' '.join(key)[:64]:64} incomplete: {sorted(sides)}")
            continue
        (bm, bl, bu), (am, al, au) = summary(sides["Before"]), summary(sides["After"])
        verdict = "slower" if al > bu else "faster" if au < bl else "within"
        slower += verdict == "slower"
        faster += verdict == "faster"
        within += verdict == "within"
        name = f"{key[0]}.{key[1]} {key[2]}"
        print(f"{name[:64]:64} {unit(bm):>14} {unit(am):>14} {am / bm:12.3f}  {verdict}"
              f"  (99.9 % CI before {unit(bl)}–{unit(bu)}, after {unit(al)}–{unit(au)};"
              f" {len(sides['Before'])} and {len(sides['After'])} iterations)")
    print(f"{len(pairs)} pairs: {faster} faster beyond the error, {within} within it, {slower} slower beyond it")
    sys.exit(1 if slower else 0)


if __name__ == "__main__":
    main()
