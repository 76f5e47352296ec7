#!/usr/bin/env python3
"""Checks that the code and commands of a Markdown doc match the tree.

A doc marks what is checked with an HTML comment on the line before a fenced
code block:

  <!-- file: PATH -->     the block is the whole file PATH (from the source root)
  <!-- excerpt: PATH -->  the block appears verbatim in PATH
  <!-- run -->            the block's commands run (bash, `set -e`) and must
                          succeed; `\\` continues a line, `#` lines are skipped
  <!-- output -->         the block is the standard output of the preceding
                          run block
  <!-- sample: CMD -->    the block is a sample of what CMD prints (times,
                          errors, the CPU name vary): CMD must succeed and
                          print the same lines with the numbers and the CPU
                          name masked; --update rewrites the block with
                          CMD's output (scripts/refresh-doc-samples.sh)
  <!-- sample-machine --> the next line names the machine of the samples;
                          --update rewrites it

Commands run in a scratch directory whose `build` is the build tree and
whose other entries are those of the source root, so a doc says
`build/bin/mha-opt examples/x.mlir` as a reader types it. Used by
test/docs-tutorial.test; exits 1 naming the doc, line and difference.
"""

import argparse
import datetime
import difflib
import os
import re
import subprocess
import sys

MARKER = re.compile(r"^<!-- (file|excerpt|sample): (.+?) -->$|"
                    r"^<!-- (run|output|sample-machine) -->$")
# What varies between runs and machines in a sample: numbers, and the CPU
# name after "for " (mha-run) or "cpu " (mha-aot-check).
VOLATILE = re.compile(r"[-+]?\d+(\.\d+)?(e[-+]?\d+)?|(?<=\bfor )[\w-]+$|"
                      r"(?<=\bcpu )[\w-]+")
FENCE = re.compile(r"^(```+)\S*$")


def blocks(path):
    """Yields (line number, kind, argument, text) for each marked block."""
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        m = MARKER.match(lines[i])
        if not m:
            i += 1
            continue
        kind, arg = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), None)
        start = i + 1
        if kind == "sample-machine":
            yield start + 1, kind, arg, lines[start] if start < len(lines) else ""
            i = start + 1
            continue
        fence = FENCE.match(lines[start]) if start < len(lines) else None
        if not fence:
            raise SystemExit(f"{path}:{i + 1}: '{lines[i]}' is not followed by "
                             f"a fenced code block")
        end = start + 1
        while end < len(lines) and lines[end] != fence.group(1):
            end += 1
        if end == len(lines):
            raise SystemExit(f"{path}:{start + 1}: unterminated code block")
        yield start + 1, kind, arg, "\n".join(lines[start + 1:end]) + "\n"
        i = end + 1


def commands(text):
    """The commands of a shell block, continuation lines joined."""
    out, current = [], ""
    for line in text.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        out.append(current + line)
        current = ""
    return out


def scratch(src, build, work):
    """A directory with `build` -> the build tree, the rest -> the source."""
    os.makedirs(work, exist_ok=True)
    for name in os.listdir(src):
        if name != "build" and not os.path.lexists(os.path.join(work, name)):
            os.symlink(os.path.join(src, name), os.path.join(work, name))
    link = os.path.join(work, "build")
    if not os.path.lexists(link):
        os.symlink(build, link)
    return work


def diff(expected, actual, what):
    return "".join(difflib.unified_diff(
        expected.splitlines(True), actual.splitlines(True),
        f"{what} (doc)", f"{what} (actual)"))


def run(cmd, cwd):
    return subprocess.run(["bash", "-c", cmd], cwd=cwd, text=True,
                          capture_output=True)


def machine():
    """The CPU model (lscpu), the CPU count and LLVM's name of the host."""
    model = "unknown CPU"
    for line in run("lscpu", "/").stdout.splitlines():
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
    host = run("/usr/lib/llvm-22/bin/llc --version", "/").stdout
    host = re.search(r"Host CPU: (\S+)", host)
    return (f"{model}, {os.cpu_count()} CPUs, LLVM host CPU "
            f"`{host.group(1) if host else 'unknown'}`, load average "
            f"{os.getloadavg()[0]:.1f} (times grow with the load)")


def update(doc, cwd):
    """Rewrites the sample blocks and the sample-machine line of `doc`."""
    lines = open(doc, encoding="utf-8").read().split("\n")
    marks = list(blocks(doc))
    for line, kind, arg, text in reversed(marks):
        if kind == "sample":
            proc = run(arg, cwd)
            if proc.returncode != 0:
                raise SystemExit(f"{doc}:{line}: `{arg}` exited with "
                                 f"{proc.returncode}:\n{proc.stdout}{proc.stderr}")
            n = len(text.rstrip("\n").split("\n")) if text.strip() else 0
            lines[line:line + n] = proc.stdout.rstrip("\n").split("\n")
        elif kind == "sample-machine":
            lines[line - 1] = (
                f"Samples on this page: `scripts/refresh-doc-samples.sh` on an "
                f"{machine()}, {datetime.date.today()}.")
    open(doc, "w", encoding="utf-8").write("\n".join(lines))


def check(doc, src, cwd):
    errors, counts, last_output = [], {}, None
    for line, kind, arg, text in blocks(doc):
        counts[kind] = counts.get(kind, 0) + 1
        where = f"{doc}:{line}"
        if kind in ("file", "excerpt"):
            path = os.path.join(src, arg)
            if not os.path.exists(path):
                errors.append(f"{where}: {arg} does not exist")
                continue
            actual = open(path, encoding="utf-8").read()
            if kind == "file" and text != actual:
                errors.append(f"{where}: the block differs from {arg}:\n"
                              + diff(text, actual, arg))
            elif kind == "excerpt" and text not in actual:
                errors.append(f"{where}: the block is not in {arg}")
        elif kind == "sample":
            proc = run(arg, cwd)
            if proc.returncode != 0:
                errors.append(f"{where}: `{arg}` exited with "
                              f"{proc.returncode}:\n{proc.stdout}{proc.stderr}")
                continue
            mask = lambda t: "\n".join(VOLATILE.sub("#", l)
                                       for l in t.rstrip().splitlines())
            if mask(text) != mask(proc.stdout):
                errors.append(f"{where}: the sample of `{arg}` is stale "
                              f"(scripts/refresh-doc-samples.sh):\n"
                              + diff(text, proc.stdout, "sample"))
        elif kind == "run":
            last_output = ""
            for cmd in commands(text):
                proc = run(cmd, cwd)
                last_output += proc.stdout
                if proc.returncode != 0:
                    errors.append(f"{where}: `{cmd}` exited with "
                                  f"{proc.returncode}:\n{proc.stdout}{proc.stderr}")
                    break
        elif kind == "output":
            if last_output is None:
                errors.append(f"{where}: an output block without a run block")
            elif text.rstrip() != last_output.rstrip():
                errors.append(f"{where}: the output differs:\n"
                              + diff(text.rstrip() + "\n",
                                     last_output.rstrip() + "\n", "output"))
            last_output = None
    return errors, counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", required=True, help="the source root")
    ap.add_argument("--build", required=True, help="the build tree")
    ap.add_argument("--work", required=True, help="a scratch directory")
    ap.add_argument("--update", action="store_true",
                    help="rewrite the sample blocks from fresh runs")
    ap.add_argument("docs", nargs="+")
    args = ap.parse_args()
    cwd = scratch(os.path.abspath(args.src), os.path.abspath(args.build),
                  os.path.abspath(args.work))
    if args.update:
        for doc in args.docs:
            update(doc, cwd)
            print(f"updated the samples of {doc}")
        return 0
    failed = False
    for doc in args.docs:
        errors, counts = check(doc, args.src, cwd)
        if not counts:
            errors.append(f"{doc}: no marked block to check")
        for e in errors:
            print(f"error: {e}", file=sys.stderr)
        failed |= bool(errors)
        summary = ", ".join(f"{counts.get(k, 0)} {k}"
                            for k in ("file", "excerpt", "run", "output",
                                      "sample"))
        print(f"{os.path.basename(doc)}: {summary}: "
              f"{'FAIL' if errors else 'ok'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
