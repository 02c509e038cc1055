"""The statistics behind the numbers: Wilson intervals and a two-proportion test.

Written with `math` only (no scipy): the normal CDF comes from `math.erfc`.

Why these two:
- The Wilson score interval stays inside [0, 1] and behaves near 0 % and 100 %,
  where hotline rates live (most units sit at 95–99 %); the textbook Wald interval
  collapses to zero width at 100 % and spills past 1 near it.
- Deltas are tested with the pooled two-proportion z-test because the briefing
  reports a p-value beside each delta, and the test gives one directly; its
  false-alarm rate at n ≥ 30 per side stays close to the nominal 5 %
  (tests/test_calibration.py checks this by simulation). Newcombe's hybrid
  interval would give an interval for the difference but no p-value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache


def normal_cdf(z: float) -> float:
    """P(Z ≤ z) for a standard normal Z."""
    return 0.5 * math.erfc(-z / math.sqrt(2))


@lru_cache(maxsize=16)
def normal_quantile(p: float) -> float:
    """The z with P(Z ≤ z) = p, by bisection on the CDF (exact to ~1e-12; called rarely and cached)."""
    if not 0 < p < 1:
        raise ValueError(f"probability must be strictly between 0 and 1, got {p}")
    low, high = -40.0, 40.0
    for _ in range(200):
        middle = (low + high) / 2
        if normal_cdf(middle) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def wilson_interval(successes: float, n: float, confidence: float = 0.95) -> tuple[float, float] | tuple[None, None]:
    """Wilson score interval for a proportion; (None, None) when n is 0.

    `successes` may be fractional (基本满意 weighted 0.9): the formula only needs p̂ and n.
    """
    if n <= 0:
        return None, None
    z = normal_quantile(1 - (1 - confidence) / 2)
    p = min(max(successes / n, 0.0), 1.0)
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # Rounding can leave the bound a hair inside p̂ at 0 % or 100 %; the interval always contains p̂.
    return max(0.0, min(centre - half, p)), min(1.0, max(centre + half, p))


@dataclass(frozen=True)
class TestResult:
    z: float
    p_value: float
    significant: bool


def two_proportion_test(x1: float, n1: float, x2: float, n2: float, alpha: float = 0.05) -> TestResult | None:
    """Pooled two-sided z-test of p1 = x1/n1 against p2 = x2/n2; None when a side has no observations."""
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    difference = x1 / n1 - x2 / n2
    if variance <= 0:
        # Both sides all-yes or all-no: the rates are equal and nothing can be told apart.
        return TestResult(0.0, 1.0, False)
    z = difference / math.sqrt(variance)
    p_value = min(1.0, 2 * normal_cdf(-abs(z)))
    return TestResult(z, p_value, p_value < alpha)


def binomial_upper_tail(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p), exact: the pmf at k, then each next term by its ratio to the
    one before, summed in log space (no overflow at n in the tens of thousands)."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    import numpy as np  # only this test needs arrays; the rest of the module stays on `math`

    log_pmf = (
        math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * math.log(p) + (n - k) * math.log1p(-p)
    )
    j = np.arange(k, n, dtype=float)
    steps = np.log((n - j) / (j + 1)) + math.log(p / (1 - p))
    relative = np.concatenate(([0.0], np.cumsum(steps)))
    top = float(relative.max())
    log_tail = log_pmf + top + math.log(float(np.exp(relative - top).sum()))
    return min(1.0, math.exp(min(log_tail, 0.0)))


def benjamini_hochberg(p_values: list[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (q-values), in the order given: q_(i) = min over j ≥ i of
    m·p_(j)/j, capped at 1. Listing the tests with q ≤ α controls the false-discovery rate at α."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    q = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        q[i] = min(running, 1.0)
    return q


def beta_binomial_upper_tail(k: int, n: int, a: float, b: float) -> float:
    """P(X ≥ k) for X ~ BetaBinomial(n, a, b): a binomial whose p is itself uncertain, Beta(a, b).

    The hot-spot test uses it when p comes from estimated counts (a category's season), so the
    p-value carries that estimate's own noise instead of treating it as known."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    import numpy as np

    log_pmf = (
        math.lgamma(n + 1)
        - math.lgamma(k + 1)
        - math.lgamma(n - k + 1)
        + math.lgamma(k + a)
        + math.lgamma(n - k + b)
        - math.lgamma(n + a + b)
        - math.lgamma(a)
        - math.lgamma(b)
        + math.lgamma(a + b)
    )
    j = np.arange(k, n, dtype=float)
    steps = np.log((n - j) / (j + 1)) + np.log((j + a) / (n - j - 1 + b))
    relative = np.concatenate(([0.0], np.cumsum(steps)))
    top = float(relative.max())
    log_tail = log_pmf + top + math.log(float(np.exp(relative - top).sum()))
    return min(1.0, math.exp(min(log_tail, 0.0)))
