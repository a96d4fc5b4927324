"""Create or refresh the project's virtual environment (.venv) from pyproject.toml.

Runs on a bare python3: standard library only. The dependency list is read from
pyproject.toml, so there is one place to declare dependencies; a stamp file skips pip
when nothing changed, which keeps both README commands fast after the first run.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"


def requirements(with_dev: bool) -> list[str]:
    """Return the dependencies declared in pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    if with_dev:
        reqs += project["optional-dependencies"]["dev"]
    return reqs


def main() -> int:
    """Ensure .venv exists and holds the requirements; print nothing when up to date."""
    with_dev = "--dev" in sys.argv[1:]
    reqs = requirements(with_dev)
    python = VENV / "bin" / "python"
    if not python.exists():
        print("creating .venv ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    stamp = VENV / ".deps-stamp"
    digest = hashlib.sha256("\n".join(sorted(reqs)).encode()).hexdigest()
    # A dev install also satisfies a runtime-only request, so the stamp records the superset.
    have = stamp.read_text().split() if stamp.exists() else []
    if digest in have or (
        not with_dev
        and hashlib.sha256("\n".join(sorted(requirements(True))).encode()).hexdigest() in have
    ):
        return 0
    print("installing dependencies into .venv ...", file=sys.stderr)
    cmd = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *reqs]
    result = subprocess.run(cmd, check=False)
    if result.returncode != 0:
        return result.returncode
    stamp.write_text("\n".join([*have, digest]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
