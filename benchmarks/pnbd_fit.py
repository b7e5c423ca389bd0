"""Pareto/NBD fit time at 1M customers: the analytic gradient against finite differences.

    .venv/bin/python benchmarks/pnbd_fit.py                  # 1,000,000 customers
    .venv/bin/python benchmarks/pnbd_fit.py --customers 200_000 --repeats 3

The population is simulated from the Pareto/NBD at the published CDNOW estimates (r = 0.553,
alpha = 10.58, s = 0.606, beta = 11.67 a week; :func:`crmlab.btyd.simulate_pareto_nbd`) with
observation times on a daily grid of up to 78 weeks and recencies rounded up to whole days, as a
summary of dated transactions has them; the fit is weighted on its distinct patterns
(:func:`crmlab.btyd.scoring.rfm_patterns`). "before" is the fit as it was up to crmlab 0.2
(BFGS on finite-difference gradients, forward then central, with a finite-difference Hessian to
start the polish), rebuilt here from the same likelihood; "after" is ``ParetoNBD.fit`` (BFGS with
the analytic gradient, ``jac=True``). ratio = after / before (< 1: faster). With lifetimes
installed, its ParetoNBDFitter is timed on a 100,000-customer sample (one row per customer, as it
fits) next to crmlab on the same sample. Times are the best of ``--repeats`` runs (perf_counter);
a shared machine is noisy, so compare ratios from the same run.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crmlab import btyd  # noqa: E402
from crmlab.btyd import pareto_nbd  # noqa: E402
from crmlab.btyd.scoring import rfm_patterns  # noqa: E402

TRUTH = {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67}


class FiniteDifferenceParetoNBD(btyd.ParetoNBD):
    """ParetoNBD.fit as before the analytic gradient: BFGS on finite-difference gradients."""

    def fit(self, frequency, recency, T, weights=None):
        x, tx, TT = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        (x, tx, TT), w = self._patterns([x, tx, TT], weights, "bench")
        n, ux_inv = w.sum(), np.unique(x, return_inverse=True)
        pairs = pareto_nbd._pnbd_pairs(x, tx, TT)

        def objective(lt):
            val = -pareto_nbd._pnbd_loglik_total(np.exp(lt), *ux_inv, tx, TT, w, pairs) / n
            return val if np.isfinite(val) else np.inf

        def nll_points(P):
            return -np.array([pareto_nbd._pnbd_loglik_total(th, *ux_inv, tx, TT, w, pairs) for th in P])

        rate, scale = x.mean() / TT.mean(), TT.mean()
        grid = [
            np.log([r0, r0 / rate, s0, s0 * scale * f])
            for r0, s0, f in [(1, 1, 1), (0.5, 0.5, 0.3), (2, 2, 3)]
        ]
        self._fit_likelihood(objective, grid, nll_points, n, "", progress=False)
        return self


def population(n: int, seed: int = 1):
    """A simulated Pareto/NBD summary in weeks on a daily grid, and its distinct patterns."""
    T = np.random.default_rng(seed).integers(7, 78 * 7, n) / 7
    sim = btyd.simulate_pareto_nbd(**TRUTH, T=T, seed=seed)
    sim["recency"] = np.where(
        sim["frequency"] > 0, np.clip(np.ceil(sim["recency"] * 7) / 7, 1 / 7, sim["T"]), 0.0
    )
    return sim, rfm_patterns(sim[["frequency", "recency", "T"]], time_unit="W")


def best_of(fn, repeats: int):
    """(best wall time, last result) over ``repeats`` calls."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def lifetimes_line(sim, repeats: int) -> str:
    """lifetimes' ParetoNBDFitter on a 100,000-customer sample against crmlab on the same rows."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from lifetimes import ParetoNBDFitter
    except Exception as exc:  # not installed, or broken on this numpy / pandas
        return f"lifetimes not available ({type(exc).__name__}): its 100k time is not measured"
    s = sim.sample(100_000, random_state=0)
    cols = (s["frequency"], s["recency"], s["T"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_lt, _ = best_of(lambda: ParetoNBDFitter().fit(*cols), repeats)
    t_cr, _ = best_of(lambda: btyd.ParetoNBD().fit(*cols, progress=False), repeats)
    return (
        f"100,000-customer sample: lifetimes {t_lt:.2f} s, crmlab {t_cr:.2f} s, "
        f"ratio crmlab/lifetimes {t_cr / t_lt:.3f}"
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--no-lifetimes", action="store_true", help="skip lifetimes' 100k fit (a minute)")
    args = parser.parse_args(argv)
    sim, pat = population(args.customers)
    cols = (pat["frequency"], pat["recency"], pat["T"])
    wts = pat["n_customers"]
    print(f"{args.customers:,} customers, {len(pat):,} distinct patterns")
    t_before, before = best_of(lambda: FiniteDifferenceParetoNBD().fit(*cols, weights=wts), args.repeats)
    t_after, after = best_of(lambda: btyd.ParetoNBD().fit(*cols, weights=wts, progress=False), args.repeats)
    for label, t, m in [
        ("before (finite differences)", t_before, before),
        ("after (analytic gradient)", t_after, after),
    ]:
        ps = ", ".join(f"{k}={v:.4f}" for k, v in m.params_.items())
        print(f"{label:28s} {t:7.2f} s  LL={m.loglik_:,.4f}  {ps}  converged={m.converged_}")
    print(
        f"ratio after/before: {t_after / t_before:.3f}  (LL difference {after.loglik_ - before.loglik_:+.2e})"
    )
    if not args.no_lifetimes:
        print(lifetimes_line(sim, args.repeats))


if __name__ == "__main__":
    main()
