"""The Pareto/NBD's analytic log-likelihood gradient against central differences of the likelihood."""

import numpy as np
import pytest

from crmlab.btyd import pareto_nbd


def _summary():
    # a small hand-made summary: repeaters, one-timers, a customer with t_x = T, short and long T
    x = np.array([0, 0, 1, 2, 5, 12, 3, 1, 7], dtype=float)
    tx = np.array([0, 0, 3.0, 10.5, 30.0, 38.0, 38.0, 0.4, 20.0])
    T = np.array([5.0, 39.0, 39.0, 39.0, 39.0, 38.5, 38.0, 1.0, 70.0])
    w = np.array([3.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 4.0, 2.0])
    ux, inv = np.unique(x, return_inverse=True)
    return ux, inv, tx, T, w, pareto_nbd._pnbd_pairs(x, tx, T)


@pytest.mark.parametrize(
    "theta",
    [
        [0.553, 10.58, 0.606, 11.67],  # CDNOW (alpha < beta branch)
        [1.2, 30.0, 0.2, 4.0],  # alpha > beta, series branch
        [0.4, 200.0, 1.5, 0.5],  # z close to 1: the hyp2f1-by-differences fallback
        [2.0, 5.0, 0.05, 5.0],  # alpha == beta: z = 0
    ],
)
def test_pnbd_gradient_matches_central_differences(theta):
    th = np.array(theta)
    ux, inv, tx, T, w, pairs = _summary()
    ll, grad = pareto_nbd._pnbd_value_and_grad(th, ux, inv, tx, T, w, pairs)
    assert ll == pytest.approx(pareto_nbd._pnbd_loglik_total(th, ux, inv, tx, T, w, pairs), rel=1e-12)
    numeric = []
    for i in range(4):
        step = np.zeros(4)
        step[i] = 1e-5 * th[i]
        up = pareto_nbd._pnbd_loglik_total(th + step, ux, inv, tx, T, w, pairs)
        down = pareto_nbd._pnbd_loglik_total(th - step, ux, inv, tx, T, w, pairs)
        numeric.append((up - down) / (2 * step[i]))
    # central differences on a ~50-unit LL carry ~1e-8 of error: the analytic gradient is the sharper one
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7)


def test_unit_hyp2f1_series_matches_scipy():
    from scipy import special

    b = np.array([0.5, 2.0, 7.3, 1.0])
    c = np.array([3.0, 4.5, 9.0, 1.5])
    z = np.array([0.0, 0.3, 0.9, 0.95])
    F, Fb, Fc, Fz, ok = pareto_nbd._unit_hyp2f1_series(b, c, z)
    assert ok.all()
    np.testing.assert_allclose(F, special.hyp2f1(1.0, b, c, z), rtol=1e-13)
    np.testing.assert_allclose(Fz, b / c * special.hyp2f1(2.0, b + 1, c + 1, z), rtol=1e-12)
    h = 1e-6
    np.testing.assert_allclose(
        Fb, (special.hyp2f1(1.0, b + h, c, z) - special.hyp2f1(1.0, b - h, c, z)) / (2 * h), rtol=1e-6
    )
    np.testing.assert_allclose(
        Fc, (special.hyp2f1(1.0, b, c + h, z) - special.hyp2f1(1.0, b, c - h, z)) / (2 * h), rtol=1e-6
    )
