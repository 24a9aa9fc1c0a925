#!/usr/bin/env python3
"""Times two shell commands in alternating pairs (a, b, a, b, ...) and prints one JSON line.

    python3 bench/pairs.py --runs N [--warmup W] --cwd DIR \
        --a-name NAME --a CMD [--a-setup CMD] [--a-ok CODES] \
        --b-name NAME --b CMD [--b-setup CMD] [--b-ok CODES]

Each timed command runs as `/usr/bin/time -v -o FILE CMD` in DIR (through `/bin/sh -c` only
when CMD has shell syntax), stdout and stderr to
files; its wall time is read from a monotonic clock (time.perf_counter_ns) around the process,
its peak RSS from /usr/bin/time's "Maximum resident set size", its CPU time (user + system)
from wait4's resource usage. Setup commands run untimed just
before their command. Warm-up pairs are run and discarded. The median ratio a/b is the median of
the per-pair ratios, so slow drifts of the machine (other work, page cache) hit both sides of a
pair alike. A command exiting with a code outside --a-ok/--b-ok (default 0) is an error: its
stderr is printed and the script exits 1.
"""

import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

TIME = os.environ.get("GNU_TIME", "/usr/bin/time")


def run(cmd, cwd, ok, scratch, label):
    rss_file = os.path.join(scratch, "rss")
    out_file = os.path.join(scratch, "out")
    err_file = os.path.join(scratch, "err")
    with open(out_file, "wb") as out, open(err_file, "wb") as err:
        t0 = time.perf_counter_ns()
        proc = subprocess.Popen([TIME, "-v", "-o", rss_file] + argv(cmd), cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        t1 = time.perf_counter_ns()
        proc.returncode = rc = os.waitstatus_to_exitcode(status)
    if rc not in ok:
        with open(err_file, "rb") as f:
            tail = f.read()[-4000:].decode(errors="replace")
        sys.stderr.write(f"pairs.py: {label}: `{cmd}` exited {rc} in {cwd}\n{tail}\n")
        sys.exit(1)
    with open(rss_file) as f:
        report = f.read()
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)
    # CPU time from wait4's rusage (microseconds; /usr/bin/time prints centiseconds): the
    # command and its descendants, plus /usr/bin/time itself (well under a millisecond).
    return (t1 - t0) / 1e6, int(m.group(1)) if m else 0, (usage.ru_utime + usage.ru_stime) * 1e3


def argv(cmd):
    """A command with shell syntax runs through /bin/sh -c; a plain one is exec'd directly, so
    that the common case pays for no shell (about a millisecond, on both sides of a pair)."""
    if re.search(r"[;&|<>()$`*?\[\]{}~]", cmd):
        return ["/bin/sh", "-c", cmd]
    return shlex.split(cmd)


def setup(cmd, cwd, label):
    if cmd:
        rc = subprocess.call(["sh", "-c", cmd], cwd=cwd, stdout=subprocess.DEVNULL)
        if rc != 0:
            sys.stderr.write(f"pairs.py: {label} setup `{cmd}` exited {rc}\n")
            sys.exit(1)


def codes(s):
    return {int(c) for c in s.split(",") if c}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--cwd", default=".")
    p.add_argument("--label", default="")
    p.add_argument("--meta", default="{}", help="JSON object merged into the output line")
    for side in "ab":
        p.add_argument(f"--{side}-name", required=True)
        p.add_argument(f"--{side}", required=True)
        p.add_argument(f"--{side}-setup", default="")
        p.add_argument(f"--{side}-ok", default="0")
    args = p.parse_args()

    samples = {"a": [], "b": []}
    rss = {"a": [], "b": []}
    cpu = {"a": [], "b": []}
    with tempfile.TemporaryDirectory(prefix="pairs.") as scratch:
        for i in range(args.warmup + args.runs):
            for side in "ab":
                name = getattr(args, f"{side}_name")
                setup(getattr(args, f"{side}_setup"), args.cwd, f"{args.label} {name}")
                ms, kb, cpu_ms = run(getattr(args, side), args.cwd, codes(getattr(args, f"{side}_ok")), scratch,
                             f"{args.label} {name}")
                if i >= args.warmup:
                    samples[side].append(ms)
                    rss[side].append(kb)
                    cpu[side].append(cpu_ms)
    ratios = [a / b for a, b in zip(samples["a"], samples["b"])]
    result = dict(json.loads(args.meta))
    result.update({"label": args.label, "runs": args.runs, "ratio_median": statistics.median(ratios),
              "ratios": [round(r, 3) for r in ratios]})
    for side in "ab":
        result[side] = {
            "name": getattr(args, f"{side}_name"),
            "median_ms": statistics.median(samples[side]),
            "min_ms": min(samples[side]),
            "max_ms": max(samples[side]),
            "samples_ms": [round(s, 2) for s in samples[side]],
            "max_rss_kb": max(rss[side]),
            "cpu_median_ms": statistics.median(cpu[side]),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
