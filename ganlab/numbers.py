"""Numbers written for people: one format for every loss, score or push the app prints (bottom layer,
so the UI, the training diagnostics and the CLI all write the same "4.0e9", never "4018357248.000")."""

from __future__ import annotations

import math

BLOWN_UP = 1e3  # a loss or score beyond this size has blown up (normal GAN losses are about 0.1-10)
BIG, SMALL = 1e4, 1e-3  # at or above BIG, or (non-zero) below SMALL, a number is written as a power of ten


def human_number(x: float | None, digits: int = 3) -> str:
    """``x`` with about ``digits`` significant digits: 1.39, 0.693, 0.05, 1234, 4.0e9, -2.5e-5, NaN, ∞, – (None)."""
    if x is None:
        return "–"
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == 0:
        return "0"
    size = abs(x)
    if size >= BIG or size < SMALL:
        mantissa, exponent = f"{x:.1e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    decimals = max(digits - 1 - math.floor(math.log10(size)), 0)
    text = f"{x:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text  # 0.0500 → 0.05
