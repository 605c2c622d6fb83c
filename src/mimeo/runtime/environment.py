"""Build a model's Python environment with uv: cog + coglet + the model's packages.

Environments are keyed by the hash of everything that decides their content (interpreter,
requirements as the hardware installs them, pip configuration), so versions that ask for the
same packages share one, and a rebuild happens only when the inputs change. A model whose
mimeo.yaml swaps in CUDA builds on a GPU SKU gets a second environment there; any other model
has one for every SKU. A ``.complete`` marker written last makes a crashed build invisible; a
file lock stops two builders racing on the same key.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mimeo.core.errors import MimeoError
from mimeo.core.hardware import CPU
from mimeo.runtime.cog_config import CogConfig
from mimeo.runtime.interpreters import find_python
from mimeo.runtime.model_options import ModelOptions
from mimeo.runtime.pip_config import PipConfig, read_pip_config
from mimeo.runtime.system_packages import missing_system_packages

COG_VERSION = "0.23.1"
COG_PACKAGES = (f"cog=={COG_VERSION}", f"coglet=={COG_VERSION}")

ProgressCallback = Callable[[str], None]


class BuildFailed(MimeoError):
    status = 422
    title = "Environment build failed"


@dataclass(frozen=True)
class Environment:
    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def bin_dir(self) -> Path:
        return self.root / "bin"


def uv_executable() -> str:
    """uv ships as a wheel next to mimeo; fall back to one on PATH."""
    beside = Path(sys.executable).parent / "uv"
    return str(beside) if beside.exists() else (shutil.which("uv") or "uv")


class EnvironmentBuilder:
    def __init__(
        self,
        cache_dir: Path,
        pip_config: PipConfig | None = None,
        python: str | None = None,
        uv_cache_dir: Path | None = None,
    ) -> None:
        self.cache_dir = cache_dir.resolve()
        self.uv_cache_dir = uv_cache_dir
        self.pip_config = pip_config if pip_config is not None else read_pip_config()
        self.python = python or sys.executable

    def key(self, config: CogConfig, requirements: list[str], no_deps: list[str]) -> str:
        facts = {
            "python": self.python,
            "requested_python": config.build.python_version,
            "cog": COG_PACKAGES,
            "requirements": requirements,
            "no_deps": no_deps,
            "pip": self.pip_config.fingerprint(),
        }
        return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:24]

    async def ensure(
        self,
        config: CogConfig,
        model_dir: Path,
        progress: ProgressCallback | None = None,
        hardware: str = CPU,
    ) -> Environment:
        """The environment ``hardware`` runs the model in, built first if need be."""
        report = progress or (lambda _line: None)
        install = ModelOptions.load(model_dir).install
        requirements, no_deps = install.for_hardware(hardware, config.requirements(model_dir))
        env = Environment(self.cache_dir / self.key(config, requirements, no_deps))
        marker = env.root / ".complete"
        if marker.exists():
            return env
        env.root.parent.mkdir(parents=True, exist_ok=True)
        lock_path = env.root.with_suffix(".lock")
        with lock_path.open("w") as lock:
            await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
            try:
                if marker.exists():
                    return env
                await self._check_system_packages(config.build.system_packages, report)
                shutil.rmtree(env.root, ignore_errors=True)
                await self._build(env, config, model_dir, requirements, no_deps, report)
                marker.write_text(COG_VERSION)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return env

    async def _check_system_packages(self, packages: list[str], report: ProgressCallback) -> None:
        missing = await missing_system_packages(packages)
        if missing is None:
            report(
                "system_packages are not installed by mimeo and cannot be checked here; make "
                "sure these are present on the host: " + " ".join(packages)
            )
        elif missing:
            raise BuildFailed(
                "cog.yaml's system_packages are missing on this host: "
                + " ".join(missing)
                + ". mimeo runs models without containers and does not install system "
                "packages; install them with: sudo apt-get install -y " + " ".join(missing)
            )

    async def _build(
        self,
        env: Environment,
        config: CogConfig,
        model_dir: Path,
        requirements: list[str],
        no_deps: list[str],
        report: ProgressCallback,
    ) -> None:
        uv = uv_executable()
        report(f"creating environment for Python {config.build.python_version}")
        python = await self._pick_python(uv, config.build.python_version, report)
        await self._run([uv, "venv", "--quiet", "--python", python, str(env.root)], report)
        packages = [*COG_PACKAGES, *requirements]
        report("installing " + " ".join(packages))
        await self._run(self._install(uv, env, packages), report, cwd=model_dir)
        if no_deps:
            report("installing without their dependencies: " + " ".join(no_deps))
            await self._run(self._install(uv, env, ["--no-deps", *no_deps]), report, cwd=model_dir)

    def _install(self, uv: str, env: Environment, arguments: list[str]) -> list[str]:
        return [
            uv,
            "pip",
            "install",
            "--python",
            str(env.python),
            *self.pip_config.uv_arguments(),
            *arguments,
        ]

    async def _pick_python(self, uv: str, requested: str, report: ProgressCallback) -> str:
        """An installed Python of the version cog.yaml names, or the build fails saying so.

        Replicate runs a model on the Python it names, and a model can depend on that (syntax,
        wheels, what it prints of ``sys.version``); running it on another one would break or
        change it without a word, so there is no fallback. uv must not download an
        interpreter: machines without internet would hang or fail.
        """
        found = await find_python(requested, uv, self._env())
        if found is None:
            raise BuildFailed(
                f"cog.yaml asks for Python {requested}, which is not installed on this machine; "
                f"install it (e.g. `uv python install {requested}`) and try again"
            )
        report(f"using Python {requested} at {found}")
        return found

    async def _run(
        self, argv: list[str], report: ProgressCallback, cwd: Path | None = None
    ) -> None:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=self._env(),
            cwd=cwd,
        )
        assert process.stdout is not None
        lines: list[str] = []
        async for raw in process.stdout:
            line = raw.decode(errors="replace").rstrip()
            lines.append(line)
            report(line)
        if await process.wait() != 0:
            raise BuildFailed(f"{' '.join(argv[:3])} failed:\n" + "\n".join(lines[-30:]))

    def _env(self) -> dict[str, str]:
        env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"}
        if self.uv_cache_dir is not None:
            env["UV_CACHE_DIR"] = str(self.uv_cache_dir)
        return env
