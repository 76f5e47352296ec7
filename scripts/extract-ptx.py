#!/usr/bin/env python3
"""Prints the PTX embedded in the gpu.binary ops of mha-opt output.

Usage: extract-ptx.py FILE.mlir (from mha-gpu-pipeline{format=isa}) > out.ptx
"""
import re
import sys


def unescape(s):
    # MLIR string attributes escape non-printable bytes as \XX (hex).
    return re.sub(r"\\([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)),
                  s.replace("\\\\", "\\5C"))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: extract-ptx.py FILE.mlir")
    text = open(sys.argv[1]).read()
    objects = re.findall(r'#gpu\.object<#nvvm\.target<[^>]*>(?:, properties = \{[^}]*\})?, (?:assembly = )?"((?:[^"\\]|\\.)*)"', text)
    if not objects:
        sys.exit("extract-ptx.py: no #gpu.object with PTX in " + sys.argv[1])
    for obj in objects:
        sys.stdout.write(unescape(obj))


if __name__ == "__main__":
    main()
