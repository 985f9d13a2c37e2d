"""The ``cpcdocs`` command: parse options, call one library function, print.

Every command is a few lines over a plain function elsewhere in the package. Errors are caught
in exactly one place (:func:`main`): a :class:`~cpcdocs.errors.CpcdocsError` prints its lines
on stderr and exits with its status; ``--debug`` lets the traceback through instead.

The group and what the commands share are in :mod:`cpcdocs.cli.app`; importing the two command
modules registers their commands on the group. ``cpcdocs.cli:main`` is the console script.
"""

from __future__ import annotations

from . import case_commands, pack_commands
from .app import cli, main
from .pack_commands import batch

__all__ = ["batch", "case_commands", "cli", "main", "pack_commands"]
