"""Each engine family's own environment: where it lives, whether it is installed, how to install it.

`environments/<family>/pyproject.toml` and `uv.lock` pin a family's libraries and Python version;
`synth-assets engines install NAME` creates `environments/<family>/.venv` from the lock with uv.
That is the only step that reaches the package index: a run never installs anything, and a
missing or outdated environment is a one-line error saying what to run.
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from packaging.specifiers import SpecifierSet

from synth_assets import settings
from synth_assets.engines.base import GeneratorError
from synth_assets.engines.registry import ENGINE_FAMILIES

STAMP = "synth-assets-lock.sha256"  # written into the venv after a successful install
KNOWN_PYTHONS = ("3.11", "3.12", "3.13", "3.14")
# How uv words a failed download (connection refused, DNS, TLS, proxy, timeout).
_UNREACHABLE = re.compile(r"(error sending request|failed to fetch|dns error|connection refused|tcp connect|timed out|proxy|network)", re.I)


class EngineNotInstalled(GeneratorError):
    """An engine family's environment is missing or older than its lock."""


class EngineInstallError(GeneratorError):
    """An engine environment could not be created."""


@dataclass(frozen=True)
class EngineEnvironment:
    name: str
    folder: Path

    @property
    def python(self) -> Path:
        return self.folder / ".venv" / "bin" / "python"

    @cached_property
    def lock_sha256(self) -> str:
        return hashlib.sha256((self.folder / "uv.lock").read_bytes()).hexdigest()

    @cached_property
    def requires_python(self) -> str:
        return tomllib.loads((self.folder / "pyproject.toml").read_text())["project"]["requires-python"]

    def status(self) -> str:
        """`installed`, `outdated` (the lock changed since) or `missing`."""
        stamp = self.folder / ".venv" / STAMP
        if not self.python.exists() or not stamp.exists():
            return "missing"
        return "installed" if stamp.read_text().strip() == self.lock_sha256 else "outdated"

    def interpreter(self) -> Path:
        """The environment's Python, or an error that says how to install it."""
        status = self.status()
        if status != "installed":
            why = "is not installed" if status == "missing" else "is older than its lock (environments/" + self.name + "/uv.lock)"
            raise EngineNotInstalled(
                f"engine environment {self.name!r} {why}: run `synth-assets engines install {self.name}` "
                "(it needs the package index; nothing is installed during a run)"
            )
        return self.python

    def files(self) -> dict[str, bytes]:
        """What pins the environment, for the registered model to carry."""
        return {name: (self.folder / name).read_bytes() for name in ("pyproject.toml", "uv.lock")}

    def requirements_txt(self) -> str:
        """The lock as pinned requirements (`uv export`, offline: it reads only the lock)."""
        completed = subprocess.run(
            [str(_uv()), "export", "--frozen", "--no-hashes", "--no-header", "--project", str(self.folder)],
            capture_output=True,
            text=True,
            env=os.environ | {"UV_OFFLINE": "1"},
        )
        if completed.returncode != 0:
            raise GeneratorError(f"cannot export the requirements of engine environment {self.name!r}: {completed.stderr.strip()[:300]}")
        return completed.stdout


def environment(name: str) -> EngineEnvironment:
    if name not in environment_names():
        raise GeneratorError(f"unknown engine environment {name!r}; valid: {', '.join(environment_names())}")
    return EngineEnvironment(name, settings.environments_dir() / name)


def environment_names() -> list[str]:
    return sorted({f.environment for f in ENGINE_FAMILIES.values() if f.environment})


def interpreter_for(engine: str) -> Path:
    """The Python that runs `engine`'s fits and samples: its environment's, or the host's own."""
    family = ENGINE_FAMILIES[engine]
    return Path(sys.executable) if family.environment is None else environment(family.environment).interpreter()


def install(name: str, *, log=print) -> EngineEnvironment:
    """Create (or bring up to date) an engine environment from its lock."""
    env = environment(name)
    python = find_python(env.requires_python)
    uv = _uv()
    log(f"installing engine environment {name!r} (Python {python.name.removeprefix('python')}, {env.folder / 'uv.lock'})")
    completed = subprocess.run(
        [str(uv), "sync", "--frozen", "--project", str(env.folder), "--python", str(python)],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")} | {"UV_PYTHON_DOWNLOADS": "never"},
    )
    if completed.returncode != 0:
        lines = [line.strip() for line in completed.stderr.splitlines() if line.strip()]
        cause = next((line.removeprefix("cause: ") for line in lines if _UNREACHABLE.search(line)), None)
        if cause is not None:
            raise EngineInstallError(
                f"cannot install engine environment {name!r}: the package index is unreachable ({cause[:200]}); "
                "connect to PyPI (or point UV_INDEX_URL / UV_FIND_LINKS at a mirror) and run "
                f"`synth-assets engines install {name}` again"
            )
        raise EngineInstallError(f"cannot install engine environment {name!r}: uv failed: {(lines or ['no output'])[-1][:300]}")
    (env.folder / ".venv" / STAMP).write_text(env.lock_sha256)
    return env


def find_python(requires: str) -> Path:
    """An interpreter satisfying `requires` (uv cannot download one on every machine, so we look).

    In order: `SYNTH_ASSETS_PYTHON_<major>_<minor>`, `pythonX.Y` on PATH, then pyenv's versions.
    """
    wanted = SpecifierSet(requires)
    tried = []
    for version in (v for v in KNOWN_PYTHONS if f"{v}.0" in wanted or f"{v}.99" in wanted):
        candidates = [os.environ.get(f"SYNTH_ASSETS_PYTHON_{version.replace('.', '_')}"), shutil.which(f"python{version}")]
        pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
        candidates += sorted(map(str, pyenv_root.glob(f"versions/{version}.*/bin/python{version}")), reverse=True)
        for candidate in filter(None, candidates):
            tried.append(candidate)
            if _runs_as(candidate, version):
                return Path(candidate)
    raise EngineInstallError(
        f"no Python interpreter for {requires} found (tried {', '.join(tried) or 'nothing'}): install one (e.g. `pyenv install 3.12`) "
        "or point SYNTH_ASSETS_PYTHON_3_12 (or _3_11, ...) at it"
    )


def _runs_as(candidate: str, version: str) -> bool:
    """A pyenv shim exists on PATH even where that version is not selected: run it to be sure."""
    try:
        found = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True, text=True, timeout=30)
    except OSError:
        return False
    return found.returncode == 0 and found.stdout.strip() == version


def _uv() -> Path:
    beside = Path(sys.executable).with_name("uv")
    found = beside if beside.exists() else shutil.which("uv")
    if found is None:
        raise EngineInstallError("uv is not installed in this environment: `pip install uv` (or `make install`) first")
    return Path(found)
