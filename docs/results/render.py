#!/usr/bin/env python3
"""Renders the results table of docs/benchmarks.md from docs/results/*.json.

Each JSON file is one `nn bench --json` run on one CPU model, named after the `key` of its
`cpu` object (vendor and brand, then family/model/stepping or ARM part/revision).

    python3 docs/results/render.py                # rewrite the table between the markers
    python3 docs/results/render.py --check        # exit 1 if the table is not what the files give
    python3 docs/results/render.py --add b.json   # file b.json under its CPU's key, then rewrite

Standard library only.
"""
import difflib
import json
import pathlib
import shutil
import sys

RESULTS = pathlib.Path(__file__).resolve().parent
DOC = RESULTS.parent / "benchmarks.md"
BEGIN = "<!-- results:begin (rendered by docs/results/render.py from docs/results/*.json; do not edit by hand) -->"
END = "<!-- results:end -->"
CONFIGS = ("a", "b", "c")
MODELS = ("784-100-10", "784-256-256-10")


def size(n):
    if n is None:
        return "?"
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20} MiB"
    return f"{n >> 10} KiB"


def cpu_cell(cpu):
    if cpu.get("family") is not None:
        ident = f"family {cpu['family']} model {cpu['model']} stepping {cpu['stepping']}"
    elif cpu.get("part") is not None:
        ident = f"part 0x{cpu['part']:03x} r{cpu.get('variant') or 0}p{cpu.get('revision') or 0}"
    else:
        ident = "model unknown"
    brand = cpu.get("brand") or cpu.get("vendor") or "unknown CPU"
    caches = f"L2 {size(cpu.get('l2Bytes'))}, L3 {size(cpu.get('l3Bytes'))}"
    return f"{brand}, {ident} ({caches}; {cpu['logicalCores']} logical cores)"


def int8_cell(l):
    """int8 median / p99 and the ratio of the medians to fp32; "–" for a run from before nn bench measured int8."""
    if not l or l.get("int8MedianMicroseconds") is None:
        return "–"
    ratio = l["int8MedianMicroseconds"] / l["medianMicroseconds"]
    return f"{l['int8MedianMicroseconds']:.2f} / {l['int8P99Microseconds']:.2f} ({ratio:.2f}×)"


def row(run):
    cpu = run["cpu"]
    rates = {(t["config"], t["threads"]): t["samplesPerSecond"] for t in run["training"]}
    threads = sorted({t["threads"] for t in run["training"]})
    cells = [cpu_cell(cpu), f"{run['kernelPath']}, {cpu['runtime']}"]
    for config in CONFIGS:
        cells.append(" / ".join(f"{rates[(config, t)]:,.0f}" if (config, t) in rates else "–" for t in threads))
    latency = {l["model"]: l for l in run["latency"]}
    for model in MODELS:
        l = latency.get(model)
        cells.append(f"{l['medianMicroseconds']:.2f} / {l['p99Microseconds']:.2f}" if l else "–")
    for model in MODELS:
        cells.append(int8_cell(latency.get(model)))
    cells.insert(2, " / ".join(str(t) for t in threads))
    return "| " + " | ".join(cells) + " |"


def render():
    runs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(RESULTS.glob("*.json"))]
    lines = [
        BEGIN,
        "| CPU | path, runtime | threads | (a) samples/s | (b) samples/s | (c) samples/s "
        "| 784-100-10 latency median / p99 (µs) | 784-256-256-10 latency median / p99 (µs) "
        "| 784-100-10 int8 median / p99 (µs) (int8 / fp32) | 784-256-256-10 int8 median / p99 (µs) (int8 / fp32) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [row(run) for run in runs]
    lines.append(END)
    return "\n".join(lines)


def replaced(text, table):
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        sys.exit(f"{DOC}: the markers {BEGIN!r} … {END!r} are missing")
    return text[:start] + table + text[end + len(END):]


def main(args):
    if args[:1] == ["--add"] and len(args) == 2:
        run = json.loads(pathlib.Path(args[1]).read_text(encoding="utf-8"))
        target = RESULTS / f"{run['cpu']['key']}.json"
        shutil.copyfile(args[1], target)
        print(f"{args[1]} → {target.relative_to(RESULTS.parent.parent)}")
        args = []
    text = DOC.read_text(encoding="utf-8")
    expected = replaced(text, render())
    if args == ["--check"]:
        if expected != text:
            sys.stdout.writelines(difflib.unified_diff(
                text.splitlines(True), expected.splitlines(True), "docs/benchmarks.md", "rendered"))
            print("docs/benchmarks.md's results table differs from docs/results/*.json: run python3 docs/results/render.py")
            return 1
        print("docs/benchmarks.md's results table matches docs/results/*.json")
        return 0
    if args:
        sys.exit(__doc__)
    DOC.write_text(expected, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
