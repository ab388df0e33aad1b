#!/usr/bin/env python3
"""Measure TA-Lib's speed on the input of `benches/indicators.rs`, in ns per element.

    /tmp/talib-venv/bin/python screener/tools/talib_speed.py

The input is the same 1,000,000 candles the Rust benchmark builds: the recorded BTC/USDT 5m
candles (`../shared/data`) tiled, every other copy backwards, prices times
`1 + 0.1 * sin(i / 100000)`.

Two figures per indicator, best of RUNS runs each:
- "C": the C function (`TA_RSI`, …) of the library inside the TA-Lib wheel, called through
  ctypes on preallocated output buffers — TA-Lib's own speed;
- "wrapper": the `talib` Python function, which also allocates its output arrays and scans
  the input for NaN — comparable to the Rust batch functions, which allocate their output.
"""

import ctypes
import glob
import os
import time

import numpy as np
import talib

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data"))
CANDLES = 1_000_000
RUNS = 15


def candles():
    rows = np.loadtxt(os.path.join(DATA, "btcusdt_5m_2023-01-02_2023-02-09.csv"), delimiter=",", skiprows=1)
    n = len(rows)
    i = np.arange(CANDLES)
    copy, offset = i // n, i % n
    index = np.where(copy % 2 == 0, offset, n - 1 - offset)
    drift = 1.0 + 0.1 * np.sin(i / 100_000.0)
    high, low, close = (rows[index, k] * drift for k in (2, 3, 4))
    return np.ascontiguousarray(high), np.ascontiguousarray(low), np.ascontiguousarray(close)


def best(fn):
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter_ns()
        fn()
        times.append(time.perf_counter_ns() - t0)
    return min(times) / CANDLES


def c_library():
    libs = glob.glob(os.path.join(os.path.dirname(talib.__file__), "..", "ta_lib.libs", "libta-lib*.so*"))
    if not libs:
        return None
    return ctypes.CDLL(libs[0])  # already loaded and initialised by `import talib`


def main():
    high, low, close = candles()
    lib = c_library()
    dptr = ctypes.POINTER(ctypes.c_double)
    p = lambda a: a.ctypes.data_as(dptr)
    out = [np.empty(CANDLES) for _ in range(3)]
    beg, nb = ctypes.c_int(), ctypes.c_int()
    ref = lambda x: ctypes.byref(x)
    end = CANDLES - 1
    cases = {
        "SMA(20)": (lambda: talib.SMA(close, 20), lambda: lib.TA_SMA(0, end, p(close), 20, ref(beg), ref(nb), p(out[0]))),
        "EMA(20)": (lambda: talib.EMA(close, 20), lambda: lib.TA_EMA(0, end, p(close), 20, ref(beg), ref(nb), p(out[0]))),
        "RSI(14)": (lambda: talib.RSI(close, 14), lambda: lib.TA_RSI(0, end, p(close), 14, ref(beg), ref(nb), p(out[0]))),
        "MACD(12,26,9)": (
            lambda: talib.MACD(close, 12, 26, 9),
            lambda: lib.TA_MACD(0, end, p(close), 12, 26, 9, ref(beg), ref(nb), p(out[0]), p(out[1]), p(out[2])),
        ),
        "BBANDS(20,2)": (
            lambda: talib.BBANDS(close, 20, 2.0, 2.0, 0),
            lambda: lib.TA_BBANDS(
                0, end, p(close), 20, ctypes.c_double(2.0), ctypes.c_double(2.0), 0,
                ref(beg), ref(nb), p(out[0]), p(out[1]), p(out[2]),
            ),
        ),
        "ATR(14)": (
            lambda: talib.ATR(high, low, close, 14),
            lambda: lib.TA_ATR(0, end, p(high), p(low), p(close), 14, ref(beg), ref(nb), p(out[0])),
        ),
        "ADX(14)": (
            lambda: talib.ADX(high, low, close, 14),
            lambda: lib.TA_ADX(0, end, p(high), p(low), p(close), 14, ref(beg), ref(nb), p(out[0])),
        ),
    }
    print(f"TA-Lib {talib.__version__} (C {talib.__ta_version__.decode()}), {CANDLES} candles, best of {RUNS}")
    print(f"{'indicator':16} {'C ns/elem':>10} {'wrapper ns/elem':>16}")
    for name, (wrapped, direct) in cases.items():
        c = best(direct) if lib is not None else float("nan")
        if lib is not None:
            assert nb.value > 0, name
        print(f"{name:16} {c:10.2f} {best(wrapped):16.2f}")


if __name__ == "__main__":
    main()
