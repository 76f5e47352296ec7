"""Exits 0 and prints SAME when two .npy files hold the same shape and
values (f32 rounding apart; infinities must match), else prints the first
difference and exits 1."""
import sys

import numpy as np

a, b = (np.load(path).astype(np.float64) for path in sys.argv[1:3])
if a.shape != b.shape:
    sys.exit("shapes differ: %s vs %s" % (a.shape, b.shape))
close = np.isclose(a, b, rtol=1e-5, atol=1e-6, equal_nan=True)
if not close.all():
    i = np.argwhere(~close)[0]
    sys.exit("differ at %s: %r vs %r" % (tuple(i), a[tuple(i)], b[tuple(i)]))
print("SAME")
