"""The ``mimeo`` command: the one place that reads the environment and crosses into async.

A package rather than one ``cli.py``: each command is a small module of its own. ``main`` imports
the commands when it runs, so importing one of those modules does not import them all.
"""


def main() -> None:
    from mimeo.cli.app import main as run_command

    run_command()


__all__ = ["main"]
