"""Learning-curve extrapolation (Domhan, Springenberg and Hutter, IJCAI 2015): fit an ensemble
of parametric curve families to the start of a curve and say how likely its value at a later
step beats a given one.

Domhan et al. combine eleven families in a weighted model sampled by MCMC. Here each family is
fitted by least squares (SciPy's ``curve_fit``), its prediction at the horizon gets a normal
distribution from the residual noise and the parameters' covariance (the delta method), and the
families are weighted by BIC: a cheap approximation of their posterior that takes a few
milliseconds per curve. Values are oriented so that larger is better and scaled to the observed
range; every family rises and flattens out, as learning curves do.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


@dataclass(frozen=True)
class CurveFamily:
    """A family ``function(x, *theta)`` with unconstrained parameters (positive ones enter
    through ``exp``, so every member rises and flattens out), fitted by Levenberg-Marquardt."""

    name: str
    function: Callable[..., Array]
    start: tuple[float, ...]  # in scaled units: the curve runs from 0 to 1 so far

    @property
    def size(self) -> int:
        return len(self.start)


def _pow3(x: Array, c: float, la: float, lalpha: float) -> Array:
    return np.asarray(c - np.exp(la) * np.power(x, -np.exp(lalpha)), dtype=np.float64)


def _exp3(x: Array, c: float, la: float, lb: float) -> Array:
    return np.asarray(c - np.exp(la) * np.exp(-np.exp(lb) * x), dtype=np.float64)


def _log2(x: Array, a: float, lb: float) -> Array:
    return np.asarray(a + np.exp(lb) * np.log(x), dtype=np.float64)


def _ilog2(x: Array, c: float, la: float) -> Array:
    return np.asarray(c - np.exp(la) / np.log(x + 1.0), dtype=np.float64)


def _janoschek(x: Array, alpha: float, beta: float, lkappa: float, ldelta: float) -> Array:
    decay = np.exp(-np.exp(lkappa) * np.power(x, np.exp(ldelta)))
    return np.asarray(alpha - (alpha - beta) * decay, dtype=np.float64)


def _mmf(x: Array, alpha: float, beta: float, lkappa: float, ldelta: float) -> Array:
    decay = 1.0 / (1.0 + np.power(np.exp(lkappa) * x, np.exp(ldelta)))
    return np.asarray(alpha - (alpha - beta) * decay, dtype=np.float64)


def _weibull(x: Array, alpha: float, beta: float, lkappa: float, ldelta: float) -> Array:
    decay = np.exp(-np.power(np.exp(lkappa) * x, np.exp(ldelta)))
    return np.asarray(alpha - (alpha - beta) * decay, dtype=np.float64)


FAMILIES: tuple[CurveFamily, ...] = (
    CurveFamily("pow3", _pow3, (1.2, 0.0, -0.7)),
    CurveFamily("exp3", _exp3, (1.2, 0.0, -1.2)),
    CurveFamily("log2", _log2, (0.0, -1.0)),
    CurveFamily("ilog2", _ilog2, (1.2, -1.0)),
    CurveFamily("janoschek", _janoschek, (1.2, 0.0, -1.2, 0.0)),
    CurveFamily("mmf", _mmf, (1.2, 0.0, -1.2, 0.0)),
    CurveFamily("weibull", _weibull, (1.2, 0.0, -1.2, 0.0)),
)

_NOISE_FLOOR = 1e-3  # in units of the observed range: no fit is trusted beyond this


@dataclass(frozen=True)
class FamilyForecast:
    family: str
    mean: float  # at the horizon, in the caller's units (oriented: larger is better)
    std: float
    weight: float


@dataclass(frozen=True)
class Forecast:
    families: tuple[FamilyForecast, ...]

    @property
    def mean(self) -> float:
        return sum(f.weight * f.mean for f in self.families)

    def probability_above(self, value: float, ceiling: float | None = None) -> float:
        """P(value at the horizon > ``value``) under the weighted mixture; with ``ceiling``
        (e.g. 1.0 for an accuracy) each family's normal is truncated there, and a family that
        puts (almost) all its mass above the ceiling is dropped, as Domhan et al.'s prior
        rejects curves that pass the bound."""
        from scipy.stats import norm  # SciPy loads when a curve is forecast, not on import

        total, mass = 0.0, 0.0
        for f in self.families:
            if ceiling is None:
                total += f.weight * norm.sf(value, f.mean, f.std)
                mass += f.weight
                continue
            below = norm.cdf(ceiling, f.mean, f.std)
            if below < 1e-6:
                continue
            above = max(norm.cdf(ceiling, f.mean, f.std) - norm.cdf(value, f.mean, f.std), 0.0)
            total += f.weight * above / below
            mass += f.weight
        return float(total / mass) if mass > 0 else 0.0


def forecast(steps: Sequence[float], values: Sequence[float], horizon: float) -> Forecast | None:
    """Fit every family with fewer parameters than points to (steps, values) (larger values
    better, steps >= 1) and forecast the value at ``horizon``; None when no family fits."""
    x = np.asarray(steps, dtype=np.float64)
    y_raw = np.asarray(values, dtype=np.float64)
    low, high = float(y_raw.min()), float(y_raw.max())
    scale = high - low if high > low else max(abs(high), 1.0) * 1e-2
    y = (y_raw - low) / scale
    n = len(x)
    fits: list[tuple[str, float, float, float]] = []  # name, mean, variance, bic
    for family in FAMILIES:
        if family.size >= n:
            continue
        fitted = _fit(family, x, y, horizon)
        if fitted is not None:
            fits.append((family.name, *fitted))
    if not fits:
        return None
    bics = np.array([bic for *_, bic in fits])
    weights = np.exp(-(bics - bics.min()) / 2.0)
    weights /= weights.sum()
    return Forecast(
        tuple(
            FamilyForecast(name, low + mean * scale, math.sqrt(variance) * scale, float(weight))
            for (name, mean, variance, _), weight in zip(fits, weights, strict=True)
        )
    )


def _fit(
    family: CurveFamily, x: Array, y: Array, horizon: float
) -> tuple[float, float, float] | None:
    """(mean and variance at the horizon, BIC) of the least-squares fit, in scaled units."""
    from scipy.optimize import OptimizeWarning, curve_fit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            theta, cov = curve_fit(
                family.function,
                x,
                y,
                p0=family.start,
                maxfev=200 * (family.size + 1),
            )
        except (RuntimeError, ValueError):
            return None
        n, p = len(x), family.size
        residuals = y - family.function(x, *theta)
        rss = float(residuals @ residuals)
        mean = float(family.function(np.array([horizon]), *theta)[0])
        # Delta method: gradient of the prediction in the parameters, by central differences.
        grad = np.empty(p)
        for i in range(p):
            h = 1e-5 * max(1.0, abs(theta[i]))
            up, down = theta.copy(), theta.copy()
            up[i] += h
            down[i] -= h
            point = np.array([horizon])
            grad[i] = (family.function(point, *up)[0] - family.function(point, *down)[0]) / (2 * h)
    if not (math.isfinite(mean) and np.all(np.isfinite(cov)) and np.all(np.isfinite(grad))):
        return None
    noise = rss / (n - p)
    variance = noise + max(float(grad @ cov @ grad), 0.0) + _NOISE_FLOOR**2
    bic = n * math.log(rss / n + _NOISE_FLOOR**2) + p * math.log(n)
    return mean, variance, bic
