"""What `pip install .` ships: the texts and seeds in locales/, and a bot that finds them there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("bot", "handlers", "storage", "locales", "pyproject.toml", "README.md")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project as setuptools lays it out for a wheel, from a copy of the source tree.

    `build_py` is the step of building a wheel that picks the packages and their data, so
    its output is the wheel's content; it needs neither the network nor the `wheel`
    package (setuptools 65, as ensurepip gives it, cannot make a wheel without it).
    """
    pytest.importorskip("setuptools")
    base = tmp_path_factory.mktemp("packaging")
    source = base / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=ignore)
        else:
            shutil.copy2(path, source / name)
    target = base / "site-packages"
    subprocess.run(
        [sys.executable, "-c", "import setuptools; setuptools.setup()", "-q", "build_py",
         "--build-lib", str(target)],
        cwd=source, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return target


def test_locales_and_data_are_in_the_package(installed: Path) -> None:
    files = {p.relative_to(installed).as_posix() for p in installed.rglob("*") if p.is_file()}
    for expected in (
        "locales/__init__.py", "locales/ru/main.ftl", "locales/kk/main.ftl",
        "locales/faq.yaml", "locales/directory.yaml", "storage/migrations/0001_init.sql",
        "bot/reference/data/places.tsv.gz", "bot/__main__.py", "handlers/faq.py",
    ):  # fmt: skip
        assert expected in files, expected
    assert not [f for f in files if f.startswith(("tests/", "bench/", "scripts/"))]


def test_installed_bot_answers_from_another_directory(installed: Path, tmp_path: Path) -> None:
    # Only the installed copy is importable: no source tree on the path, cwd elsewhere.
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    env.update(PYTHONPATH=str(installed), DATABASE_PATH=str(tmp_path / "none.sqlite3"))
    where = subprocess.run(
        [sys.executable, "-c", "import bot.i18n; print(bot.i18n.LOCALES_DIR)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert Path(where.stdout.strip()) == installed / "locales"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "faq", "ask", "посольство"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "decision:" in result.stdout
    assert "посольств" in result.stdout.lower()
