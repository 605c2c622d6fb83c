"""Runs a model server so that no part of it outlives the mimeo process that started it.

``python -m mimeo.runtime.guard COMMAND...`` is started as the leader of a new process group and
starts ``COMMAND`` (the Cog server) in that group, without the ``PYTHONPATH`` that let it import
mimeo. Its stdin is a pipe whose other end only mimeo
holds, so end-of-file there means mimeo has exited, even by SIGKILL, which no cleanup code of
mimeo's sees: the guard then kills the whole group. It does the same when the server exits, so
the server's own Python worker, possibly busy in a prediction, does not linger either (coglet's
worker notices its parent's death only once its prediction returns; with a GPU model that can be
minutes of a held GPU).

SIGTERM to the group (``CogInstance.stop``) is the server's to handle (coglet drains); the guard
waits for the server to exit and then cleans up. Inside bubblewrap the command is ``bwrap``, which
SIGTERM ends at once, taking the box with it: instances are only stopped once their predictions
are done or given up, so nothing is lost by the shorter goodbye.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading


def _kill_group_when_parent_exits() -> None:
    while sys.stdin.buffer.read(4096):
        pass
    os.killpg(0, signal.SIGKILL)


def main(command: list[str]) -> int:
    # A handler, not SIG_IGN: the server must get the default disposition after exec.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: None)
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    server = subprocess.Popen(command, stdin=subprocess.DEVNULL, env=env)
    threading.Thread(target=_kill_group_when_parent_exits, daemon=True).start()
    code = server.wait()
    os.killpg(0, signal.SIGKILL)
    return code  # not reached: the guard is in its own group


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
