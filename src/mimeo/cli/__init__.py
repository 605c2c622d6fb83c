"""The ``mimeo`` command: the one place that reads the environment and crosses into async.

A package rather than one ``cli.py``: each command is a small module of its own.
"""

from mimeo.cli.app import app, main

__all__ = ["app", "main"]
