"""Runs a command and fails unless it exits with the given status.

Usage: expect-exit.py STATUS CMD [ARGS...]. The command's stdout and stderr
are passed through so FileCheck can read them.
"""
import subprocess
import sys

want = int(sys.argv[1])
proc = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
sys.stdout.write(proc.stdout.decode(errors="replace"))
if proc.returncode != want:
    sys.stdout.write(f"expect-exit: exit status {proc.returncode}, expected {want}\n")
    sys.exit(1)
