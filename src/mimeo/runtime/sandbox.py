"""The boundary around model code: who a model process runs as and what it can see.

Whoever can push a model runs code on the worker, so a model process gets as little of the
machine as this host allows, in three layers:

- an environment built from nothing (``model_env``): always;
- bubblewrap (``bwrap``), where it is installed and works: a mount namespace holding only
  ``/usr`` and the system library directories, the basics of ``/etc``, the Python installation
  the venv points to, the venv itself, the model's directory and the instance's scratch
  directory (and the GPU device nodes when the instance has GPUs). The data directory, other
  models' files and home directories are not there at all;
- when mimeo runs as root, a dedicated unprivileged user (``mimeo-model``, created when
  missing), switched to with ``setpriv`` inside the box, after bwrap has mounted paths only
  root can reach (a Python under ``/root``, a data directory kept 0700).

The box keeps the host's process namespace: coglet names its worker sockets by process id in
the abstract socket namespace, which belongs to the network namespace the box must share (the
worker reaches the server on loopback), so in private process namespaces every instance would
be pid 2 and the second would fail to start. A model still cannot look into mimeo's processes
(another uid, or another user namespace); models running at once as ``mimeo-model`` can see
each other's processes.

As root without bwrap the model keeps root's uid: its venv, model and scratch directories live
in the 0700 data directory, which another user could not reach. The worker logs once which
boundary it has, so an operator who wants more knows to install bubblewrap.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import structlog

log = structlog.get_logger()
MODEL_USER = "mimeo-model"
SYSTEM_DIRS = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32")
ETC_BASICS = (
    "passwd", "group", "hosts", "resolv.conf", "nsswitch.conf", "host.conf", "gai.conf",
    "localtime", "timezone", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives",
    "ssl", "ca-certificates", "ca-certificates.conf", "mime.types", "protocols", "services",
    "fonts", "os-release",
)  # fmt: skip
"""What a Python program expects of /etc: users and groups by name, name resolution, time zone,
the dynamic linker's cache, Debian's alternatives (libblas), CA certificates, fonts."""
GPU_DEVICES = ("nvidia*", "dxg")
"""Device nodes under /dev a GPU instance needs: NVIDIA's, and WSL's GPU bridge."""


@dataclass(frozen=True)
class ModelUser:
    name: str
    uid: int
    gid: int


@dataclass(frozen=True)
class Boundary:
    bwrap: str | None = None
    """The bwrap executable, when it works on this host."""
    user: ModelUser | None = None
    """Who model processes run as, when mimeo runs as root; None keeps mimeo's own user."""

    @property
    def description(self) -> str:
        who = (
            f"as {self.user.name} (uid {self.user.uid})"
            if self.user
            else ("as root" if os.geteuid() == 0 else "as mimeo's own user")
        )
        if self.bwrap:
            return (
                f"model processes run {who} inside bubblewrap: they see their venv, model "
                "directory and scratch directory, not the data directory or other models, with "
                "an environment of their own"
            )
        return (
            f"model processes run {who} without bubblewrap (not installed or not usable "
            "here): only their environment is their own, and they can read what mimeo's user "
            "can. Install bubblewrap (system-packages.txt) to box them in"
        )

    def hand_over(self, *paths: Path) -> None:
        """Give the model user the directories it writes in (its model directory: some models
        keep assembled weights in ``.cog/``; its scratch directory)."""
        if self.user is None:
            return
        for path in paths:
            os.chown(path, self.user.uid, self.user.gid)
            for parent, dirs, files in os.walk(path):
                for name in (*dirs, *files):
                    os.chown(
                        Path(parent, name), self.user.uid, self.user.gid, follow_symlinks=False
                    )

    def wrap(
        self,
        command: Sequence[str],
        *,
        venv: Path,
        model_dir: Path,
        scratch: Path,
        gpus: bool,
        shared: Sequence[Path] = (),
    ) -> list[str]:
        """``command`` as it runs inside the boundary."""
        if self.bwrap is None:
            return list(command)
        switch = [] if self.user is None else _switch_user(self.user)
        mounts = _Mounts()
        mounts.tmpfs(Path("/tmp"))
        _system_mounts(mounts)
        mounts.add(["--dev", "/dev", "--perms", "1777", "--tmpfs", "/dev/shm", "--proc", "/proc"])
        if gpus:
            for pattern in GPU_DEVICES:
                for node in sorted(Path("/dev").glob(pattern)):
                    mounts.add(["--dev-bind-try", str(node), str(node)])
        for prefix in python_installations(venv):
            mounts.bind("--ro-bind", prefix)
        mounts.bind("--ro-bind", venv.resolve())
        mounts.bind("--bind", model_dir.resolve())
        mounts.bind("--bind", scratch.resolve())
        for path in shared:
            mounts.bind("--ro-bind", path.resolve())
        return [
            self.bwrap,
            *mounts.arguments,
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--die-with-parent",
            "--chdir",
            str(model_dir.resolve()),
            "--",
            *switch,
            *command,
        ]


@dataclass(frozen=True)
class ModelBox:
    """One instance's place inside the boundary."""

    boundary: Boundary
    scratch: Path
    """HOME and TMPDIR of the instance, removed when it stops."""
    environment: Sequence[str] = ()
    """The worker's variables the model's ``mimeo.yaml`` asks for, by name."""


class _Mounts:
    """bwrap's arguments in order, creating each bind's missing parent directories 0755: bwrap
    makes them 0700, which the model user could not pass through."""

    def __init__(self) -> None:
        self.arguments: list[str] = []
        self._bound: list[Path] = []
        self._made: set[Path] = set()

    def add(self, arguments: list[str]) -> None:
        self.arguments.extend(arguments)

    def tmpfs(self, path: Path) -> None:
        """An empty directory anyone may write in, as /tmp is."""
        self.add(["--perms", "1777", "--tmpfs", str(path)])
        self._made.add(path)

    def bind(self, kind: str, path: Path, *, must_exist: bool = True) -> None:
        if any(path.is_relative_to(bound) for bound in self._bound):
            return
        for parent in reversed(path.parents[:-1]):
            if parent in self._made or any(parent.is_relative_to(b) for b in self._bound):
                continue
            self.add(["--perms", "0755", "--dir", str(parent)])
            self._made.add(parent)
        self.add([kind if must_exist else f"{kind}-try", str(path), str(path)])
        self._bound.append(path)


def _system_mounts(mounts: _Mounts) -> None:
    for name in SYSTEM_DIRS:
        path = Path("/", name)
        if path.is_symlink():
            mounts.add(["--symlink", os.readlink(path), str(path)])
        elif path.is_dir():
            mounts.bind("--ro-bind", path)
    for name in ETC_BASICS:
        mounts.bind("--ro-bind", Path("/etc", name), must_exist=False)
    mounts.bind("--ro-bind", Path("/sys"), must_exist=False)


def python_installations(venv: Path) -> list[Path]:
    """The installation a venv's interpreter belongs to (``home`` in ``pyvenv.cfg``, and where
    its ``python`` link leads), outside ``/usr`` which is mounted anyway."""
    found: list[Path] = []
    config = venv / "pyvenv.cfg"
    if config.is_file():
        for line in config.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "home" and value.strip():
                found.append(Path(value.strip()).resolve().parent)
    found.append((venv / "bin" / "python").resolve().parents[1])
    unique = [p for i, p in enumerate(found) if p not in found[:i]]
    return [p for p in unique if not p.is_relative_to("/usr") and p != Path("/")]


def _switch_user(user: ModelUser) -> list[str]:
    return [
        "setpriv",
        f"--reuid={user.uid}",
        f"--regid={user.gid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
    ]


async def detect_boundary() -> Boundary:
    """The strongest boundary this host allows, said once in the worker's log."""
    bwrap = shutil.which("bwrap")
    if bwrap is not None and not await _runs(
        [bwrap, "--ro-bind", "/", "/", "--unshare-pid", "true"]
    ):
        bwrap = None
    user = None
    if os.geteuid() == 0 and bwrap is not None and shutil.which("setpriv") is not None:
        user = await ensure_model_user()
    boundary = Boundary(bwrap, user)
    if bwrap is not None:
        log.info("model.boundary", detail=boundary.description)
    else:
        log.warning("model.boundary", detail=boundary.description)
    return boundary


async def ensure_model_user(name: str = MODEL_USER) -> ModelUser | None:
    """The model user, created as a system user without a home or login shell when missing."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        created = await _runs(
            ["useradd", "--system", "--user-group", "--no-create-home",
             "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name]
        )  # fmt: skip
        try:
            entry = pwd.getpwnam(name)  # another worker may have created it meanwhile
        except KeyError:
            log.warning("model.user_missing", user=name, created=created)
            return None
    return ModelUser(name, entry.pw_uid, entry.pw_gid)


async def _runs(argv: list[str]) -> bool:
    try:
        process = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )
    except OSError:
        return False
    return await process.wait() == 0
