"""Run the command-line tool: ``python -m pymc_symplectic``."""

from pymc_symplectic.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
