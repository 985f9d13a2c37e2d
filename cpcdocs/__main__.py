"""``python -m cpcdocs``: the same as the ``cpcdocs`` command."""

from .cli import main

main()
