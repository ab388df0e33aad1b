#!/usr/bin/env python3
"""Generate the reference values the indicator tests compare against.

Run once, by hand, whenever the reference set changes; the output is committed under
`screener/tests/data/reference/` and the tests never need Python:

    python3 -m venv /tmp/talib-venv && /tmp/talib-venv/bin/pip install TA-Lib numpy
    /tmp/talib-venv/bin/python screener/tools/talib_reference.py

Inputs: every CSV in `../shared/data` (relative to the repository root), plus three
synthetic series generated here (flat stretches, zero volume, ties, tiny and huge prices)
whose inputs are stored in their reference file.

Independence: TA-Lib (the C library behind the `TA-Lib` wheel) computes SMA, EMA, WMA, RSI,
MACD, BBANDS, ATR, STOCH, ADX, PLUS_DI, MINUS_DI and OBV. StochRSI is TA-Lib's RSI followed by
the helper contract's stochastic (numpy, below) and TA-Lib's SMA twice; it is cross-checked
against TA-Lib's STOCH wherever the two conventions agree. VWAP, the VWAP bands, PVI and the
high-volume nodes follow their written definitions (docs/original-system.md §2.3, rows 22, 24,
31-35) with numpy and plain Python, brute force (two-pass, O(n²) where the definition is), and
VWAP and PVI are cross-checked against TA-Lib's own VWAP and PVI. Nothing here shares code or
arithmetic order with the Rust implementation.

Output, per input `<stem>`:
- `<stem>.csv.gz`: one line per series, `name,v0,v1,...`, one value per candle, an empty field
  where the value is not computable. Reference values are written with 12 significant digits
  (`%.12g`, relative rounding error <= 5e-13, far inside the tests' 1e-9 tolerance): that keeps
  the committed set under 4 MB, which full 17-digit values would not. Synthetic series also
  carry their inputs (`open`, `high`, `low`, `close`, `volume` lines first) at full precision.
  The Bollinger middle band is not stored: it is TA-Lib's SMA bit for bit (asserted here), so
  the tests compare it with the `sma` line.
- `<stem>.hvn.csv`: the high-volume nodes for lookback 250 (the helper's default) and 100
  (what the engine passes as `hvnNodes`), default options otherwise.
"""

import csv
import gzip
import io
import math
import os
import sys

import numpy as np
import talib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
DATA = os.path.normpath(os.path.join(REPO, "..", "shared", "data"))
OUT = os.path.join(REPO, "screener", "tests", "data", "reference")

# Parameters of every reference column (the Rust tests use the same).
SMA_P, EMA_P, WMA_P, RSI_P = 20, 20, 20, 14
MACD_P = (12, 26, 9)
BB_P, BB_MULT = 20, 2.0
ATR_P, ADX_P = 14, 14
STOCH_P = (14, 3, 3)
STOCHRSI_P = (14, 14, 3, 3)
VWAP_MULT = 1.0  # cumulative VWAP bands
VWAP_WINDOW, VWAP_WINDOW_MULT = 50, 2.0  # VWAP of the last 50 bars, as getLatestVWAP sees it
PVI_INITIAL = 1000.0
HVN_LOOKBACKS = (250, 100)

COLUMNS = [
    "sma", "ema", "wma", "rsi",
    "macd", "macd_signal", "macd_hist",
    "bb_upper", "bb_lower",
    "atr",
    "stoch_k", "stoch_d",
    "stochrsi_k", "stochrsi_d",
    "adx", "plus_di", "minus_di",
    "obv",
    "vwap", "vwap_upper", "vwap_lower",
    "vwap_w", "vwap_w_upper", "vwap_w_lower",
    "pvi",
]
INPUT_COLUMNS = ["open", "high", "low", "close", "volume"]

# TA-Lib's scale-aware zero test (ta_utility.h, TA_IS_ZERO_SCALED): |v| <= 1e-14 * scale.
TA_EPSILON = 1e-14


def load_csv(path):
    """Rows of open_time, o, h, l, c, v (and taker-buy base volume for the 12-column files)."""
    rows = []
    taker = []
    with open(path) as f:
        for rec in csv.reader(f):
            if not rec or not rec[0].strip().isdigit():
                continue  # header
            rows.append([float(x) for x in rec[1:6]])
            if len(rec) >= 10:
                taker.append(float(rec[9]))
    a = np.array(rows, dtype=np.float64)
    return a[:, 0], a[:, 1], a[:, 2], a[:, 3], a[:, 4], (np.array(taker) if taker else None)


def synthetic():
    """Deterministic series that reach the edge cases real data rarely does."""
    rng = np.random.default_rng(20240601)
    o, h, l, c, v = [], [], [], [], []

    def bar(op, hi, lo, cl, vol):
        o.append(op), h.append(hi), l.append(lo), c.append(cl), v.append(vol)

    for i in range(30):  # flat, and no volume at all for the first 5 bars
        bar(100.0, 100.0, 100.0, 100.0, 0.0 if i < 5 else 10.0)
    p = 100.0
    for i in range(40):  # only gains: RSI 100, StochRSI flat
        p += 0.5
        bar(p - 0.5, p + 0.1, p - 0.6, p, 10.0 + i)
    for i in range(40):  # only losses
        p -= 0.25
        bar(p + 0.25, p + 0.3, p - 0.1, p, 50.0 - i)
    for i in range(30):  # flat again, at another level, equal volumes
        bar(p, p, p, p, 7.0)
    for i in range(40):  # highs and lows equal moves: +DM == -DM ties
        up = 1.0 if i % 2 == 0 else -1.0
        bar(p, p + 1.0, p - 1.0, p + 0.25 * up, 5.0 + (i % 3))
    base = p
    for i in range(60):  # range within 1e-14 relative: TA-Lib's scaled zero band
        eps = base * 5e-15 * (i % 2)
        bar(base, base + eps, base, base + eps / 2, 3.0)
    for i in range(300):  # random walk
        step = rng.normal(0.0, 0.4)
        op = p
        p = max(1.0, p + step)
        hi = max(op, p) + abs(rng.normal(0.0, 0.2))
        lo = min(op, p) - abs(rng.normal(0.0, 0.2))
        bar(op, hi, lo, p, float(rng.integers(0, 40)))
    walk = tuple(np.array(x, dtype=np.float64) for x in (o, h, l, c, v))
    tiny = tuple(x * 1e-9 if k < 4 else x for k, x in enumerate(walk))
    huge = tuple(x * 1e4 + 1e6 if k < 4 else x for k, x in enumerate(walk))
    return [("synthetic_edges", walk), ("synthetic_tiny", tiny), ("synthetic_huge", huge)]


def nan_series(n):
    return np.full(n, np.nan)


def stochrsi(close):
    rsi_p, stoch_p, k_p, d_p = STOCHRSI_P
    rsi = talib.RSI(close, rsi_p)
    n = len(close)
    raw = nan_series(n)
    flat = np.zeros(n, dtype=bool)
    for i in range(rsi_p + stoch_p - 1, n):
        w = rsi[i - stoch_p + 1 : i + 1]
        hi, lo = float(w.max()), float(w.min())
        if abs(hi - lo) <= TA_EPSILON * (abs(hi) + abs(lo)):
            raw[i] = 50.0  # the helper contract: 50 when the window is flat
            flat[i] = True
        else:
            raw[i] = (rsi[i] - lo) / (hi - lo) * 100.0  # TA-Lib STOCH's fast %K
    k = talib.SMA(raw, k_p) if n > rsi_p + stoch_p - 1 else nan_series(n)
    d = talib.SMA(k, d_p) if n > rsi_p + stoch_p + k_p - 2 else nan_series(n)
    # Cross-check against TA-Lib's STOCH on the RSI series wherever no flat window feeds
    # the value (TA-Lib answers 0 there, the helper contract 50).
    first = rsi_p
    if n - first > stoch_p + k_p + d_p:
        r = rsi[first:]
        sk, sd = talib.STOCH(r, r, r, stoch_p, k_p, 0, d_p, 0)
        span = k_p + d_p
        for j in range(len(r)):
            i = j + first
            if math.isnan(sd[j]) or flat[max(0, i - span) : i + 1].any():
                continue
            for ours, theirs in ((k[i], sk[j]), (d[i], sd[j])):
                assert abs(ours - theirs) <= 1e-9 * max(abs(theirs), 100.0), (i, ours, theirs)
    return k, d


def vwap_cumulative(h, l, c, v, mult):
    """calculateVWAPSeries / calculateVWAPBands without an anchor, brute force."""
    n = len(c)
    tp = (h + l + c) / 3.0
    vw, up, lo = nan_series(n), nan_series(n), nan_series(n)
    for i in range(n):
        vol = np.sum(v[: i + 1])
        if vol > 0:
            vw[i] = np.sum(tp[: i + 1] * v[: i + 1]) / vol
            dev = tp[: i + 1] - vw[i]
            sd = math.sqrt(np.sum(dev * dev) / (i + 1))
            up[i], lo[i] = vw[i] + sd * mult, vw[i] - sd * mult
    ta = talib.VWAP(h, l, c, v)
    ok = ~np.isnan(vw)
    assert np.allclose(vw[ok], ta[ok], rtol=1e-9, atol=0), "VWAP disagrees with TA-Lib"
    return vw, up, lo


def vwap_window(h, l, c, v, window, mult):
    """getLatestVWAP(klines[..=i], window) and getLatestVWAPBands for every i."""
    n = len(c)
    tp = (h + l + c) / 3.0
    vw, up, lo = nan_series(n), nan_series(n), nan_series(n)
    for i in range(n):
        s = max(0, i - window + 1)
        vol = np.sum(v[s : i + 1])
        if vol > 0:
            vw[i] = np.sum(tp[s : i + 1] * v[s : i + 1]) / vol
            dev = tp[s : i + 1] - vw[i]
            sd = math.sqrt(np.sum(dev * dev) / (i + 1 - s))
            up[i], lo[i] = vw[i] + sd * mult, vw[i] - sd * mult
    return vw, up, lo


def pvi(c, v, initial):
    n = len(c)
    out = nan_series(n)
    if n == 0:
        return out
    out[0] = initial
    for i in range(1, n):
        prev = out[i - 1]
        if math.isnan(prev):
            continue
        if v[i] > v[i - 1]:
            if c[i - 1] == 0:
                continue
            out[i] = prev + ((c[i] - c[i - 1]) / c[i - 1]) * prev
        else:
            out[i] = prev
    ta = talib.PVI(c, v)
    assert np.allclose(out, ta, rtol=1e-9, atol=0, equal_nan=True), "PVI disagrees with TA-Lib"
    return out


def hvn(o, h, l, c, v, taker, lookback, bins=30, threshold=70.0, min_strength=50.0, tol=0.05):
    """calculateHighVolumeNodes, row 24 of the helper table, step by step."""
    s = max(0, len(c) - lookback)
    o, h, l, c, v = o[s:], h[s:], l[s:], c[s:], v[s:]
    buy = taker[s:] if taker is not None else None
    lows = [x for x in l if not math.isnan(x)]
    highs = [x for x in h if not math.isnan(x)]
    if not lows or not highs:
        return []
    lo_p, hi_p = min(lows), max(highs)
    if lo_p >= hi_p:
        return []
    size = (hi_p - lo_p) / bins
    vol = [0.0] * bins
    bvol = [0.0] * bins
    for i in range(len(c)):
        if any(math.isnan(x) for x in (o[i], h[i], l[i], c[i], v[i])):
            continue
        cmin = min(o[i], c[i], l[i])
        cmax = max(o[i], c[i], h[i])
        start = math.floor((cmin - lo_p) / size)
        end = math.floor((cmax - lo_p) / size)
        spanned = max(1, end - start + 1)
        per = v[i] / spanned
        b = 0.0 if buy is None or math.isnan(buy[i]) else buy[i] / spanned
        for j in range(max(0, start), min(bins - 1, end) + 1):
            vol[j] += per
            bvol[j] += b
    ranked = sorted(vol)
    t_idx = math.floor((threshold / 100.0) * bins)
    cut = ranked[t_idx] if t_idx < bins else 0.0
    top = max(vol)
    nodes = []
    for j in range(bins):
        x = vol[j]
        if x >= cut and x > 0:
            prev = vol[j - 1] if j > 0 else 0.0
            nxt = vol[j + 1] if j < bins - 1 else 0.0
            if x > prev * (1 + tol) and x > nxt * (1 + tol):
                strength = x / top * 100 if top > 0 else 0.0
                if strength >= min_strength:
                    b_min = lo_p + j * size
                    b_max = b_min + size
                    nodes.append(((b_min + b_max) / 2, x, bvol[j], x - bvol[j], strength, b_min, b_max))
    nodes.sort(key=lambda n: -n[4])  # stable, like Array.prototype.sort
    return nodes


def fmt_exact(x):
    return "" if math.isnan(x) else repr(float(x))


def fmt_reference(x):
    return "" if math.isnan(x) else "%.12g" % x


def compute(o, h, l, c, v):
    n = len(c)
    cols = {}
    cols["sma"] = talib.SMA(c, SMA_P)
    cols["ema"] = talib.EMA(c, EMA_P)
    cols["wma"] = talib.WMA(c, WMA_P)
    cols["rsi"] = talib.RSI(c, RSI_P)
    cols["macd"], cols["macd_signal"], cols["macd_hist"] = talib.MACD(c, *MACD_P)
    cols["bb_upper"], middle, cols["bb_lower"] = talib.BBANDS(c, BB_P, BB_MULT, BB_MULT, 0)
    assert np.array_equal(middle, cols["sma"], equal_nan=True), "BBANDS middle is not the SMA"
    cols["atr"] = talib.ATR(h, l, c, ATR_P)
    fk, sk, sd = STOCH_P
    cols["stoch_k"], cols["stoch_d"] = talib.STOCH(h, l, c, fk, sk, 0, sd, 0)
    cols["stochrsi_k"], cols["stochrsi_d"] = stochrsi(c)
    cols["adx"] = talib.ADX(h, l, c, ADX_P)
    cols["plus_di"] = talib.PLUS_DI(h, l, c, ADX_P)
    cols["minus_di"] = talib.MINUS_DI(h, l, c, ADX_P)
    cols["obv"] = talib.OBV(c, v)
    cols["vwap"], cols["vwap_upper"], cols["vwap_lower"] = vwap_cumulative(h, l, c, v, VWAP_MULT)
    cols["vwap_w"], cols["vwap_w_upper"], cols["vwap_w_lower"] = vwap_window(
        h, l, c, v, VWAP_WINDOW, VWAP_WINDOW_MULT
    )
    cols["pvi"] = pvi(c, v, PVI_INITIAL)
    for name in COLUMNS:
        assert len(cols[name]) == n, name
    return cols


def write(stem, o, h, l, c, v, taker, with_inputs):
    cols = compute(o, h, l, c, v)
    buf = io.StringIO()
    if with_inputs:
        for name, s in zip(INPUT_COLUMNS, (o, h, l, c, v)):
            buf.write(",".join([name] + [fmt_exact(x) for x in s]) + "\n")
    for name in COLUMNS:
        buf.write(",".join([name] + [fmt_reference(x) for x in cols[name]]) + "\n")
    with open(os.path.join(OUT, stem + ".csv.gz"), "wb") as f:
        # mtime=0: the same input gives the same bytes.
        with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=9, mtime=0) as gz:
            gz.write(buf.getvalue().encode())
    with open(os.path.join(OUT, stem + ".hvn.csv"), "w") as f:
        f.write("lookback,price,volume,buy_volume,sell_volume,strength,range_low,range_high\n")
        for lb in HVN_LOOKBACKS:
            for node in hvn(o, h, l, c, v, taker, lb):
                f.write(",".join([str(lb)] + [repr(float(x)) for x in node]) + "\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    files = sorted(f for f in os.listdir(DATA) if f.endswith(".csv"))
    if not files:
        sys.exit(f"no CSV files in {DATA}")
    for name in files:
        o, h, l, c, v, taker = load_csv(os.path.join(DATA, name))
        write(name[: -len(".csv")], o, h, l, c, v, taker, with_inputs=False)
        print(f"{name}: {len(c)} rows")
    for stem, (o, h, l, c, v) in synthetic():
        write(stem, o, h, l, c, v, None, with_inputs=True)
        print(f"{stem}: {len(c)} rows (synthetic)")
    print(f"TA-Lib {talib.__version__} (C {talib.__ta_version__.decode()}), numpy {np.__version__}")


if __name__ == "__main__":
    main()
