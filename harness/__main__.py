"""``python -m harness`` is ``webtrack``."""

from .cli import main

main()
