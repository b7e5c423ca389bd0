"""``python -m crmlab.data init FILE > shop.toml`` writes a starter data spec for a transactions file
(guessing the columns and saying so); ``python -m crmlab.data check shop.toml`` loads a spec and lists
its tables. See :mod:`crmlab.spec`."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from ..spec import main as spec_main  # lazy: crmlab.spec imports crmlab.data

    return spec_main(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
