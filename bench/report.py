#!/usr/bin/env python3
"""Formats bench/run's JSON lines as the Markdown report: python3 bench/report.py RESULTS.jsonl.

Goals are the ones of issue 13 ("Performance: near the I/O floor at every size, in memory
bounded by one environment"); "met" is filled where the goal is a number this run measures.
"""

import argparse
import json

MIB = 1024.0

# (case, command) -> (goal text, check(row, rows) -> bool or None)
def _ratio(limit):
    return lambda r, _: r["ratio_median"] <= limit


def _rss(limit_mib):
    return lambda r, _: r["a"]["max_rss_kb"] / MIB <= limit_mib


def _check_vs_generate(r, rows):
    gen = rows.get((r["case"], "generate (nothing to change)"))
    if gen is None:
        return None
    return r["a"]["median_ms"] <= gen["a"]["median_ms"] and r["a"]["max_rss_kb"] / MIB <= 64


def _from_empty_1000(r, _):
    return r["ratio_median"] <= 3 and r["a"]["median_ms"] < 1000 and r["a"]["max_rss_kb"] / MIB <= 64


GOALS = {
    ("committed", "generate (nothing to change)"): ("<= 2x", _ratio(2)),
    ("committed", "check"): ("<= 2x", _ratio(2)),
    ("committed", "validate"): ("schema validator built once or lazily (see instructions)", None),
    ("1000x10", "generate (from empty)"): ("<= 3x and < 1 s; <= 64 MB", _from_empty_1000),
    ("1000x10", "generate (nothing to change)"): ("<= 64 MB", _rss(64)),
    ("1000x10", "check"): ("<= generate (nothing to change); <= 64 MB", _check_vs_generate),
    ("1000x10", "validate"): ("<= 64 MB", _rss(64)),
    ("2000x20", "check"): ("linear in services x environments (instructions)", None),
    ("2000x20", "generate (from empty)"): ("linear in services x environments (instructions)", None),
    ("2000x20", "validate"): ("linear in services x environments (instructions)", None),
}


def ms(x):
    if x >= 1000:
        return f"{x / 1000:.2f} s"
    if x >= 100:
        return f"{x:.0f} ms"
    return f"{x:.1f} ms"


def mb(nbytes):
    if nbytes < 1e6:
        return f"{nbytes / 1e3:.0f} kB"
    return f"{nbytes / 1e6:.1f} MB"


def services_envs(case):
    if "x" not in case:
        return None
    s, e = case.split("x")
    return int(s) * int(e)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("results")
    p.add_argument("--end-load", default="")
    args = p.parse_args()
    lines = [json.loads(x) for x in open(args.results) if x.strip()]
    machine = next(x for x in lines if x["kind"] == "machine")
    sizes = {x["case"]: x for x in lines if x["kind"] == "size"}
    floor = [x for x in lines if x["kind"] == "floor"]
    rows = {(x["case"], x["command"]): x for x in floor}
    instr = [x for x in lines if x["kind"] == "instructions"]
    tm = next((x for x in lines if x["kind"] == "terramate"), None)
    tm_sizes = {x["case"]: x for x in lines if x["kind"] == "tm-size"}
    tm_pairs = [x for x in lines if x["kind"] == "terramate-pair"]

    out = []
    w = out.append
    dirty = " (with uncommitted changes under src/)" if machine["dirty"] else ""
    w(f"Machine: {machine['nproc']} cores ({machine['cpu']}), {machine['ram']} RAM, {machine['kernel']}, "
      f"{machine['rustc']}; tofugen {machine['commit']}{dirty}; {machine['date']}; "
      f"load average {machine['load']} at start" + (f", {args.end_load} at end" if args.end_load else "") + ".")
    w("")
    if sizes:
        w("| case | outputs (generated/ .github/ schema/) | pairs |")
        w("|---|---|---|")
        for case, s in sizes.items():
            w(f"| {case} | {s['files']} files, {mb(s['bytes'])} | {s['runs']} |")
        w("")
    if floor:
        w("| case | command | tofugen (median) | floor (median) | ratio (median of pairs) | tofugen peak RSS | tofugen CPU (median) | goal (issue 13) | met |")
        w("|---|---|---|---|---|---|---|---|---|")
        for x in floor:
            goal, check = GOALS.get((x["case"], x["command"]), ("", None))
            met = check(x, rows) if check else None
            met = "" if met is None else ("yes" if met else "no")
            w(f"| {x['case']} | `{x['command']}` | {ms(x['a']['median_ms'])} | {ms(x['b']['median_ms'])} | "
              f"{x['ratio_median']:.1f}x | {x['a']['max_rss_kb'] / MIB:.0f} MiB | {ms(x['a']['cpu_median_ms'])} | "
              f"{goal} | {met} |")
        w("")
        w("Floor: `cp -r generated .github schema DST` into an empty DST; for `generate (from empty)` both "
          "sides first remove their previous outputs (`rm -rf`), timed. RSS in MiB (KiB/1024) as "
          "/usr/bin/time reports it; goals in MB are compared as MiB. CPU: user + system time of the "
          "process (wait4), which other load on the machine disturbs less than wall time.")
        w("")
    if instr:
        w("| case | command | instructions | per service x environment |")
        w("|---|---|---|---|")
        for x in instr:
            n = services_envs(x["case"])
            per = f"{x['instructions'] / n:,.0f}" if n else ""
            w(f"| {x['case']} | `{x['command']}` | {x['instructions']:,} | {per} |")
        w("")
        w("Instructions: valgrind --tool=callgrind, `Collected` (all instructions of the process); "
          "`generate` from an empty tree.")
        w("")
    if tm_pairs:
        w(f"Terramate {tm['version'] if tm else '?'} (built with {tm['go'] if tm else '?'}), "
          "same synthetic configuration as `bench/terramate_setup.py` writes it:")
        w("")
        w("| case | command | Terramate (median) | tofugen (median) | Terramate / tofugen (median of pairs) | "
          "CPU time Terramate / tofugen | peak RSS Terramate / tofugen |")
        w("|---|---|---|---|---|---|---|")
        for x in tm_pairs:
            w(f"| {x['case']} | `{x['command']}` | {ms(x['a']['median_ms'])} | {ms(x['b']['median_ms'])} | "
              f"{x['ratio_median']:.1f}x | {ms(x['a']['cpu_median_ms'])} / {ms(x['b']['cpu_median_ms'])} | "
              f"{x['a']['max_rss_kb'] / MIB:.0f} / {x['b']['max_rss_kb'] / MIB:.0f} MiB |")
        w("")
        w("| case | Terramate writes | tofugen writes | of which OpenTofu roots (generated/ENV/*.tf) |")
        w("|---|---|---|---|")
        for case, s in tm_sizes.items():
            w(f"| {case} | {s['terramate_files']} files, {mb(s['terramate_bytes'])} | "
              f"{s['tofugen_files']} files, {mb(s['tofugen_bytes'])} | "
              f"{s['tofugen_root_files']} files, {mb(s['tofugen_root_bytes'])} |")
        w("")
    print("\n".join(out).rstrip("\n"))


if __name__ == "__main__":
    main()
