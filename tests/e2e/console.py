"""A ``mimeo serve`` run as a user runs it: its console read line by line, started and stopped
as a process group."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

READY = "mimeo is ready"


class Console:
    """Collects a server's output from a background thread so the pipe never fills."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._printed = threading.Condition()
        self._thread = threading.Thread(target=self._pump, args=(process,), daemon=True)
        self._thread.start()

    def _pump(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with self._printed:
                self.lines.append(line)
                self._printed.notify_all()
        process.stdout.close()

    def wait_for(self, text: str, process: subprocess.Popen[str], timeout: float) -> str:
        """The first line holding ``text``, as soon as it is printed."""
        deadline = time.monotonic() + timeout
        with self._printed:
            while True:
                found = next((line for line in self.lines if text in line), None)
                if found is not None:
                    return found
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"{text!r} never printed:\n" + "".join(self.lines))
                self._printed.wait(0.5)

    def wait_ready(self, process: subprocess.Popen[str], timeout: float) -> None:
        self.wait_for(READY, process, timeout)

    def value_after(self, prefix: str) -> str:
        for line in self.lines:
            if prefix in line:
                return line.split(prefix, 1)[1].strip()
        raise AssertionError(f"{prefix!r} not printed:\n" + "".join(self.lines))


def start(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[str]) -> None:
    os.killpg(process.pid, 15)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.wait()


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MIMEO_", "REPLICATE_"))}
    env.update(COLUMNS="200", **extra)
    return env
