"""PLS path model specification: the shipped ECSI and bank models, and the checks of any
(inner, blocks) specification (acyclic, every latent with a block and a neighbour)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from ..data import survey_blocks

__all__ = ["SCHEMES", "ecsi_model", "bank_model"]


SCHEMES = ("centroid", "factorial", "path")


# --------------------------------------------------------------------------- the shipped models


def ecsi_model() -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    """(inner, blocks) of the ECSI model for ``load_survey("ecsi_mobi")`` (Tenenhaus et al. 2005).

    image -> expectation, satisfaction, loyalty; expectation -> quality, value,
    satisfaction; quality -> value, satisfaction; value -> satisfaction;
    satisfaction -> complaints, loyalty; complaints -> loyalty.

    Returns
    -------
    tuple
        (inner paths as (from, to) pairs, blocks: latent -> its indicator columns).
    """
    inner = [
        ("image", "expectation"),
        ("image", "satisfaction"),
        ("image", "loyalty"),
        ("expectation", "quality"),
        ("expectation", "value"),
        ("expectation", "satisfaction"),
        ("quality", "value"),
        ("quality", "satisfaction"),
        ("value", "satisfaction"),
        ("satisfaction", "complaints"),
        ("satisfaction", "loyalty"),
        ("complaints", "loyalty"),
    ]
    return inner, survey_blocks("ecsi_mobi")


def bank_model() -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    """(inner, blocks) of the bank satisfaction model for ``load_survey("bank")`` (Sanchez 2013).

    The ECSI model without complaints: image -> expectation, satisfaction, loyalty;
    expectation -> quality, value, satisfaction; quality -> value, satisfaction;
    value -> satisfaction; satisfaction -> loyalty.

    Returns
    -------
    tuple
        (inner paths as (from, to) pairs, blocks: latent -> its indicator columns).
    """
    inner = [
        ("image", "expectation"),
        ("image", "satisfaction"),
        ("image", "loyalty"),
        ("expectation", "quality"),
        ("expectation", "value"),
        ("expectation", "satisfaction"),
        ("quality", "value"),
        ("quality", "satisfaction"),
        ("value", "satisfaction"),
        ("satisfaction", "loyalty"),
    ]
    return inner, survey_blocks("bank")


# --------------------------------------------------------------------------- model specification


def _check_spec(inner, blocks) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """Validate (inner, blocks); return latents, indicators, block index per indicator, D.

    ``D[i, j] = 1`` when latent i -> latent j (rows from, columns to).
    """
    latents, indicators, block_of = _check_blocks(blocks)
    D = _path_matrix(_check_pairs(inner), latents)
    isolated = [latents[j] for j in range(len(latents)) if not (D[j].any() or D[:, j].any())]
    if isolated:
        raise ValueError(f"latent(s) {isolated} are in no inner path; a PLS latent needs a neighbour")
    on_cycle = _on_cycle(D)
    if on_cycle.any():
        names = [latents[j] for j in np.flatnonzero(on_cycle)]
        raise ValueError(
            f"inner paths form a cycle through {names}; PLS path models must be recursive (acyclic)"
        )
    return latents, indicators, np.asarray(block_of), D


def _check_blocks(blocks) -> tuple[list[str], list[str], list[int]]:
    """Latent names, indicators in block order and each indicator's block number."""
    if not isinstance(blocks, Mapping) or len(blocks) == 0:
        raise ValueError("blocks must be a non-empty dict {latent: [indicator columns]}")
    indicators: list[str] = []
    block_of: list[int] = []
    owner: dict[str, str] = {}
    for j, (latent, cols) in enumerate(blocks.items()):
        if isinstance(cols, str) or not isinstance(cols, Iterable):
            raise ValueError(f"block {latent!r} must be a list of column names, not {cols!r}")
        cols = [str(c) for c in cols]
        if not cols:
            raise ValueError(f"block {latent!r} has no indicators")
        twice = [c for c in cols if c in owner]
        if twice:
            raise ValueError(
                f"indicator {twice[0]!r} is in block {owner[twice[0]]!r} and in block {latent!r}; "
                "in PLS each indicator measures one latent only"
            )
        owner.update(dict.fromkeys(cols, latent))
        indicators += cols
        block_of += [j] * len(cols)
    return [str(k) for k in blocks], indicators, block_of


def _check_pairs(inner) -> list[tuple[str, str]]:
    """The inner paths as (from, to) string pairs."""
    if isinstance(inner, str) or not isinstance(inner, Iterable):
        raise ValueError(f"inner must be a list of (from, to) pairs, not {inner!r}")
    pairs = []
    for p in inner:
        if isinstance(p, str) or not isinstance(p, Iterable) or len(tuple(p)) != 2:
            raise ValueError(f"inner path {p!r} is not a (from, to) pair")
        pairs.append(tuple(str(x) for x in p))
    if not pairs:
        raise ValueError("inner has no paths; give at least one (from, to) pair")
    return pairs


def _path_matrix(pairs: list[tuple[str, str]], latents: list[str]) -> np.ndarray:
    """D[i, j] = 1 for each path i -> j; unknown latents, loops, repeats and 2-cycles are errors."""
    index = {name: j for j, name in enumerate(latents)}
    D = np.zeros((len(latents), len(latents)))
    for src, dst in pairs:
        unknown = [name for name in (src, dst) if name not in index]
        if unknown:
            raise ValueError(
                f"latent {unknown[0]!r} in inner path {src!r} -> {dst!r} has no block; blocks has {latents}"
            )
        if src == dst:
            raise ValueError(f"inner path {src!r} -> {dst!r} is a loop on one latent")
        if D[index[src], index[dst]]:
            raise ValueError(f"inner path {src!r} -> {dst!r} is given twice")
        if D[index[dst], index[src]]:
            raise ValueError(
                f"inner paths {src!r} -> {dst!r} and {dst!r} -> {src!r} form a cycle; "
                "PLS path models must be recursive (acyclic)"
            )
        D[index[src], index[dst]] = 1.0
    return D


def _on_cycle(D: np.ndarray) -> np.ndarray:
    """Kahn's algorithm: the latents that cannot be ordered lie on a cycle."""
    indeg = D.sum(axis=0)
    done = np.zeros(len(D), dtype=bool)
    ready = np.flatnonzero(indeg == 0)
    while len(ready):
        done[ready] = True
        indeg = indeg - D[ready].sum(axis=0)
        ready = np.flatnonzero(~done & (indeg == 0))
    return ~done
