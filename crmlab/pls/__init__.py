"""PLS path modelling (PLS-PM, "PLS-SEM") of customer-satisfaction index models.

A PLS path model has an *inner* (structural) model -- directed paths between
latent variables such as image -> satisfaction -> loyalty -- and an *outer*
(measurement) model: every latent is measured by a block of survey items.
The latent variable scores are weighted sums of their standardised items,
``Y_j = X_j w_j``, with weights found by Wold's (1982) iterative algorithm,
here in Lohmoeller's (1989) form (all blocks updated at once; same fixed point):

1. outer estimate   ``Y_j = X_j w_j``, scaled to mean 0 and variance 1;
2. inner estimate   ``Z_j = sum_i e_ji Y_i`` over the latents i adjacent to j, with
   inner weights ``e_ji`` from the *scheme*:

   * ``"centroid"``  ``e_ji = sign cor(Y_j, Y_i)``                    (Wold 1982)
   * ``"factorial"`` ``e_ji = cor(Y_j, Y_i)``                         (Lohmoeller 1989)
   * ``"path"``      ``e_ji`` = multiple-regression coefficient of Y_j on its
     predecessors i, and ``cor(Y_j, Y_i)`` for its successors i    (Lohmoeller 1989);
3. Mode A (reflective) outer weights ``w_jh = cov(x_jh, Z_j)``;

until no weight moves by more than ``tol``. Path coefficients are then the OLS
regressions of every endogenous latent score on its predecessors' scores.

Conventions (those of SmartPLS and the R package plspm, so their numbers
reproduce): indicators are centred and divided by their *population* standard
deviation (divisor n, not n - 1); latent scores have mean 0 and population
variance 1. Because the same divisor is used everywhere, outer weights are the
same as with n - 1 everywhere; path coefficients, loadings and R^2 are
correlations and do not depend on the divisor at all. ``scaled=False`` centres
the indicators without scaling them (plspm's ``scaled = FALSE``): weights then
apply to raw item units, while scores are still standardised.

Every step works on the indicators' correlation (covariance) matrix, so a fit
costs the same for 250 or 250,000 respondents and the bootstrap runs all its
resamples at once.

References: Wold (1982) "Soft modeling: the basic design and some extensions";
Lohmoeller (1989) *Latent variable path modeling with partial least squares*;
Tenenhaus, Esposito Vinzi, Chatelin & Lauro (2005) "PLS path modeling",
CSDA 48:159-205 (the ECSI mobile-phone model); Sanchez (2013) *PLS Path
Modeling with R* (the bank ``satisfaction`` model).
"""

from .model import PLSPathModel
from .specification import SCHEMES, bank_model, ecsi_model

__all__ = ["SCHEMES", "PLSPathModel", "ecsi_model", "bank_model"]
