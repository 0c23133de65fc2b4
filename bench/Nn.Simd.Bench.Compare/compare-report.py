#!/usr/bin/env python3
"""Pair by pair, the Before and After jobs of a bench/Nn.Simd.Bench.Compare run.

    compare-report.py RESULTS_DIR     (BenchmarkDotNet.Artifacts/results, the *-report-full.json files)

For each benchmark case (method and parameters) prints both medians, their ratio after / before,
and the 99.9 % confidence interval of each job's mean over all its launches' iterations (the
interval BenchmarkDotNet's Error column is half of). A pair is "slower" when After's interval
lies wholly above Before's: slower beyond the error of both. It is "faster" in the mirror case,
and "within" otherwise. Exits 1 if any pair is slower.
"""
import glob, json, os, sys


def cases(directory):
    for path in sorted(glob.glob(os.path.join(directory, "*-report-full.json"))):
        for b in json.load(open(path))["Benchmarks"]:
            stats = b.get("Statistics")
            if not stats:
                continue
            # DisplayInfo reads "Type.Method: JobId(characteristics) [parameters]".
            job = b["DisplayInfo"].split(": ", 1)[1].split("(", 1)[0].strip()
            key = (b["Type"], b["Method"], b["Parameters"])
            ci = stats["ConfidenceInterval"]
            yield key, job, stats["Median"], ci["Lower"], ci["Upper"]


def unit(ns):
    for factor, name in ((1e9, "s"), (1e6, "ms"), (1e3, "µs")):
        if ns >= factor:
            return f"{ns / factor:,.3f} {name}"
    return f"{ns:,.1f} ns"


def main():
    pairs = {}
    for key, job, median, lower, upper in cases(sys.argv[1]):
        pairs.setdefault(key, {})[job] = (median, lower, upper)
    slower = faster = within = 0
    print(f"{'case':64} {'before median':>14} {'after median':>14} {'after/before':>12}  verdict")
    for key in sorted(pairs):
        sides = pairs[key]
        if "Before" not in sides or "After" not in sides:
            print(f"{' '.join(key)[:64]:64} incomplete: {sorted(sides)}")
            continue
        (bm, bl, bu), (am, al, au) = sides["Before"], sides["After"]
        verdict = "slower" if al > bu else "faster" if au < bl else "within"
        slower += verdict == "slower"
        faster += verdict == "faster"
        within += verdict == "within"
        name = f"{key[0]}.{key[1]} {key[2]}"
        print(f"{name[:64]:64} {unit(bm):>14} {unit(am):>14} {am / bm:12.3f}  {verdict}"
              f"  (99.9 % CI before {unit(bl)}–{unit(bu)}, after {unit(al)}–{unit(au)})")
    print(f"{len(pairs)} pairs: {faster} faster beyond the error, {within} within it, {slower} slower beyond it")
    sys.exit(1 if slower else 0)


if __name__ == "__main__":
    main()
