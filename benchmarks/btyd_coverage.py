"""Coverage of crmlab's 90 % intervals over many populations simulated from known parameters.

    python benchmarks/btyd_coverage.py                       # 100 populations of 2,000 customers
    python benchmarks/btyd_coverage.py --populations 200 --customers 5000 --level 0.9

For each model -- BG/NBD and Pareto/NBD at Fader, Hardie & Lee's CDNOW estimates (weeks), and
Gamma-Gamma at its CDNOW estimates -- each population (seed 0 .. populations-1) is simulated
(``simulate_beta_geo``, ``simulate_pareto_nbd``, ``simulate_gamma_gamma``), the model is fitted,
and the script counts how often the stated interval holds the truth:

* each parameter: :func:`crmlab.btyd.parameter_intervals` (Wald on the log scale);
* the cohort's expected holdout purchases over 39 weeks, sum_i E[Y_i(39) | x_i, t_x,i, T_i] under
  the true parameters (transaction models), or the cohort's expected spend sum_i E[Z_i | x_i, m_i]
  (Gamma-Gamma): :func:`crmlab.btyd.prediction_interval` by the delta method and by 500
  parametric draws.

The goal (issue 13): 85-95 % for a 90 % interval. Measured (100 populations): at 5,000 customers
every coverage of BG/NBD and Pareto/NBD is within 85-95 %; at 2,000 the BG/NBD's a and b over-cover
(96 %, 98 %) and the Pareto/NBD's draws interval of the total under-covers (81 %). With P
populations a coverage c has a binomial standard error sqrt(c (1 - c) / P): 0.03 at 90 % and
100 populations.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crmlab import btyd  # noqa: E402
from crmlab.btyd import intervals as iv  # noqa: E402

TRUTH = {
    "BG/NBD": (btyd.BetaGeo, {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}),
    "Pareto/NBD": (btyd.ParetoNBD, {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67}),
    "Gamma-Gamma": (btyd.GammaGamma, {"p": 6.25, "q": 3.74, "gamma": 15.44}),
}
HOLDOUT = 39.0


def _population(name: str, n: int, seed: int):
    cls, truth = TRUTH[name]
    T = np.random.default_rng(seed).uniform(27, 39, n)  # CDNOW-like: first purchases over 12 weeks
    if name == "Gamma-Gamma":
        x = btyd.simulate_beta_geo(**TRUTH["BG/NBD"][1], T=T, seed=seed)["frequency"].to_numpy()
        x = np.maximum(x, 1)  # spend is fitted on repeat buyers
        sim = btyd.simulate_gamma_gamma(**truth, frequency=x, seed=seed)
        data = (sim["frequency"].to_numpy(), sim["monetary_value"].to_numpy())
    elif name == "BG/NBD":
        sim = btyd.simulate_beta_geo(**truth, T=T, seed=seed)
        data = tuple(sim[c].to_numpy() for c in ("frequency", "recency", "T"))
    else:
        sim = btyd.simulate_pareto_nbd(**truth, T=T, seed=seed)
        data = tuple(sim[c].to_numpy() for c in ("frequency", "recency", "T"))
    return cls, truth, data


def _total(name: str, data):
    if name == "Gamma-Gamma":
        return lambda m: float(np.sum(m.conditional_expected_average_profit(*data)))
    return lambda m: float(np.sum(m._conditional_expected(HOLDOUT, *data)))


def run(name: str, populations: int, customers: int, level: float, n_draws: int) -> pd.Series:
    """Coverage of every parameter and of the cohort total (delta, draws) for one model."""
    hits: dict[str, int] = {}
    t0 = time.perf_counter()
    for seed in range(populations):
        cls, truth, data = _population(name, customers, seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kwargs = {} if cls is btyd.GammaGamma else {"time_unit": "W"}
            model = cls(n_starts=1).fit(*data, **kwargs)
        params = iv.parameter_intervals(model, level)
        for k, v in truth.items():
            hits[k] = hits.get(k, 0) + bool(params.loc[k, "lower"] <= v <= params.loc[k, "upper"])
        predict = _total(name, data)
        true_total = predict(cls.from_params(**truth))
        for method in ("delta", "draws"):
            out = iv.prediction_interval(
                model, predict, method=method, level=level, n_draws=n_draws, seed=seed, progress=False
            ).loc["total"]
            key = f"cohort total ({method})"
            hits[key] = hits.get(key, 0) + bool(out["lower"] <= true_total <= out["upper"])
    coverage = pd.Series(hits, dtype=float) / populations
    coverage.attrs["seconds"] = time.perf_counter() - t0
    return coverage


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--populations", type=int, default=100)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--level", type=float, default=0.9)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--model", choices=list(TRUTH), action="append")
    args = parser.parse_args(argv)
    print(f"{args.populations} populations of {args.customers:,} customers; {args.level:.0%} intervals")
    print(
        f"binomial se of a coverage near {args.level:.0%}: "
        f"{np.sqrt(args.level * (1 - args.level) / args.populations):.3f}"
    )
    for name in args.model or list(TRUTH):
        cov = run(name, args.populations, args.customers, args.level, args.draws)
        inside = ((cov >= 0.85) & (cov <= 0.95)).sum()
        print(f"\n{name} ({cov.attrs['seconds']:.0f} s): {inside} of {len(cov)} coverages within 85-95 %")
        for k, v in cov.items():
            print(f"  {k:24s} {v:6.1%}")


if __name__ == "__main__":
    main()
