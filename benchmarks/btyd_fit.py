"""Fit times of crmlab.btyd against lifetimes, at equal log-likelihood.

    python benchmarks/btyd_fit.py              # CDNOW sample, 2,357 customers
    python benchmarks/btyd_fit.py --master     # also the CDNOW master file, 23,570 customers
    python benchmarks/btyd_fit.py --synthetic  # also crmlab's synthetic population
    python benchmarks/btyd_fit.py --repeats 5

lifetimes (0.11.3, last released 2020) is not a crmlab dependency; install it in a
throwaway venv, next to the few packages crmlab.btyd needs:

    python3 -m venv /tmp/bench-venv
    /tmp/bench-venv/bin/pip install lifetimes==0.11.3 "pandas<3"
    /tmp/bench-venv/bin/python benchmarks/btyd_fit.py

Without lifetimes the script still runs and prints crmlab's times with a note.
Each time is the best of ``--repeats`` fits (wall clock, perf_counter), the two
libraries' fits interleaved so that they share the machine's load. Both
libraries' estimates are scored with the same log-likelihood (crmlab's), so the
LL columns compare like with like; ratio = crmlab time / lifetimes time (< 1: crmlab faster).
Timings on a shared machine are noisy: compare ratios from the same run.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crmlab import btyd  # noqa: E402
from crmlab.btyd import bgnbd, gamma_gamma, pareto_nbd  # noqa: E402
from crmlab.data import load_cdnow  # noqa: E402
from crmlab.rfm import rfm_summary  # noqa: E402

try:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes
    HAVE_LIFETIMES = True
except Exception as exc:  # ImportError, or lifetimes failing on this pandas / numpy
    lifetimes = None
    HAVE_LIFETIMES = False
    LIFETIMES_ERROR = f"{type(exc).__name__}: {exc}"


def best_times(fns, repeats):
    """Best wall time of each function over ``repeats`` rounds, run interleaved
    (a, b, a, b, ...) so that both see the same load on a shared machine."""
    times = [[] for _ in fns]
    outs = [None] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            outs[i] = fn()
            times[i].append(time.perf_counter() - t0)
    return [min(t) for t in times], outs


def loglik(model_name, params, data):
    """crmlab's total log-likelihood at a parameter set (the common yardstick)."""
    x, tx, T, m = data
    if model_name == "BG/NBD":
        return float(bgnbd._bgnbd_loglik(*params, x, tx, T).sum())
    if model_name == "Pareto/NBD":
        return float(pareto_nbd._pnbd_loglik(*params, x, tx, T).sum())
    rep = (x > 0) & (m > 0)
    return float(gamma_gamma._gg_loglik(*params, x[rep], m[rep]).sum())


def run(label, summary, repeats):
    f, r, T, m = (summary[c] for c in ["frequency", "recency", "T", "monetary_value"])
    data = tuple(s.to_numpy(dtype=float) for s in (f, r, T, m))
    rep = (f > 0) & (m > 0)  # Gamma-Gamma: repeat customers with positive spend (both libraries)
    lt = lifetimes
    cases = [
        (
            "BG/NBD",
            lambda: btyd.BetaGeo().fit(f, r, T),
            (lambda: lt.BetaGeoFitter().fit(f, r, T)) if lt else None,
            ["r", "alpha", "a", "b"],
            ["r", "alpha", "a", "b"],
        ),
        (
            "Pareto/NBD",
            lambda: btyd.ParetoNBD().fit(f, r, T),
            (lambda: lt.ParetoNBDFitter().fit(f, r, T)) if lt else None,
            ["r", "alpha", "s", "beta"],
            ["r", "alpha", "s", "beta"],
        ),
        # lifetimes' default tol=1e-4 stops short of the optimum; tol=1e-6 reaches crmlab's LL
        (
            "Pareto/NBD*",
            lambda: btyd.ParetoNBD().fit(f, r, T),
            (lambda: lt.ParetoNBDFitter().fit(f, r, T, tol=1e-6)) if lt else None,
            ["r", "alpha", "s", "beta"],
            ["r", "alpha", "s", "beta"],
        ),
        (
            "Gamma-Gamma",
            lambda: btyd.GammaGamma().fit(f[rep], m[rep]),
            (lambda: lt.GammaGammaFitter().fit(f[rep], m[rep])) if lt else None,
            ["p", "q", "gamma"],
            ["p", "q", "v"],
        ),
    ]
    print(
        f"\n{label}: {len(summary):,} customers, {int(rep.sum()):,} with repeat purchases and positive spend"
    )
    print(
        f"{'model':<12} {'crmlab s':>9} {'lifetimes s':>12} {'ratio':>6} {'crmlab LL':>13} "
        f"{'lifetimes LL':>13} {'LL diff':>9}  crmlab params"
    )
    fitted = {}
    for name, ours, theirs, names, their_names in cases:
        if theirs is None and name.endswith("*"):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            (t_ours, *t_rest), (model, *other) = best_times([ours] + ([theirs] if theirs else []), repeats)
        fitted[name] = model
        ll_ours = loglik(name.rstrip("*"), [model.params_[k] for k in names], data)
        if theirs is not None:
            t_theirs, fit_theirs = t_rest[0], other[0]
            ll_theirs = loglik(name.rstrip("*"), [float(fit_theirs.params_[k]) for k in their_names], data)
            cols = (
                f"{t_theirs:>12.3f} {t_ours / t_theirs:>6.2f} {ll_ours:>13.4f} {ll_theirs:>13.4f}"
                f" {ll_ours - ll_theirs:>9.2e}"
            )
        else:
            cols = f"{'-':>12} {'-':>6} {ll_ours:>13.4f} {'-':>13} {'-':>9}"
        ps = ", ".join(f"{k}={model.params_[k]:.4f}" for k in names)
        print(f"{name:<12} {t_ours:>9.3f} {cols}  {ps}")
    return fitted


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="fits per model; the best time counts")
    parser.add_argument("--master", action="store_true", help="also fit the 23,570-customer master file")
    parser.add_argument(
        "--synthetic",
        action="store_true",
        help="also fit crmlab's synthetic population (10,000 customers, seed 0)",
    )
    args = parser.parse_args(argv)
    if HAVE_LIFETIMES:
        print(f"lifetimes {lifetimes.__version__} vs crmlab.btyd")
    else:
        print(
            f"NOTE: lifetimes is not importable here ({LIFETIMES_ERROR}); printing crmlab's "
            "times only. See the module docstring to install it in a throwaway venv."
        )
    sample = rfm_summary(load_cdnow("sample"), observation_end="1998-06-30", calibration_end="1997-09-30")
    run("CDNOW sample (weeks, calibration to 1997-09-30)", sample, args.repeats)
    if args.master:
        master = rfm_summary(load_cdnow("master"), observation_end="1998-06-30", calibration_end="1997-09-30")
        run("CDNOW master (weeks, calibration to 1997-09-30)", master, max(1, args.repeats - 2))
    if args.synthetic:
        from crmlab.datasets import load_dataset

        ds = load_dataset("synthetic", seed=0, n_customers=10_000)
        synthetic = rfm_summary(ds.transactions, observation_end=ds.transactions["date"].max())
        run("synthetic population (weeks, whole period)", synthetic, max(1, args.repeats - 2))
    print(
        "\nLL diff = crmlab LL - lifetimes LL (>= 0: crmlab's optimum is at least as good). Both "
        "run with their defaults; Pareto/NBD* gives lifetimes tol=1e-6 (default 1e-4, "
        "Nelder-Mead), the tolerance at which it reaches crmlab's LL."
    )


if __name__ == "__main__":
    main()
