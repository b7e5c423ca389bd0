"""``python -m crmlab.spec init FILE > shop.toml`` / ``python -m crmlab.spec check shop.toml``."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
