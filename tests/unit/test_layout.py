"""The project's layout (DESIGN.md): one job per folder, one-way imports, no Qt below desktop.

`desktop → reports, forms → models → translations`: everything except the window must run
headless, so models, forms, reports and translations never import PySide6 (checked both
in the source and by importing every module in a fresh interpreter).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("desktop", "models", "forms", "reports", "translations", "resources")
HEADLESS = ("models", "forms", "reports", "translations")
QT = ("PySide6", "shiboken6")

# What each package must not import (besides Qt for the headless ones).
FORBIDDEN = {
    "models": {"desktop", "forms", "reports"},
    "translations": {"desktop", "models", "forms", "reports"},
    "forms": {"desktop"},
    "reports": {"desktop"},
}


def python_files(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, module: str | None = None) -> set[str]:
    """Absolute names of every module `path` imports, anywhere in the file (not only at the top)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = (module or module_name(path)).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            names.add(prefix)
            names.update(f"{prefix}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return names


def top(name: str) -> str:
    return name.split(".", 1)[0]


def test_the_scan_sees_real_imports():
    """Guard against a scanner that silently finds nothing."""
    found = imported_modules(ROOT / "models" / "cases.py")
    assert {"models.audit", "sqlmodel", "translations"} <= found
    assert "translations.current_language" in found  # imported inside a function
    for package in HEADLESS:
        assert python_files(package), package


def test_the_scan_resolves_relative_nested_and_dynamic_imports(tmp_path):
    source = tmp_path / "letter.py"
    source.write_text(
        "from ..desktop import window\n"
        "from . import styles\n"
        "import importlib\n"
        "def render():\n"
        "    import PySide6.QtGui\n"
        "    return importlib.import_module('shiboken6')\n",
        encoding="utf-8",
    )
    found = imported_modules(source, module="reports.letter")
    assert {"desktop", "desktop.window", "reports.styles", "PySide6.QtGui", "shiboken6"} <= found
    assert {top(n) for n in found} & set(QT) == set(QT)


@pytest.mark.parametrize("package", HEADLESS)
def test_headless_packages_do_not_mention_qt_imports(package):
    offenders = {
        str(path.relative_to(ROOT)): sorted(n for n in imported_modules(path) if top(n) in QT)
        for path in python_files(package)
    }
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_flow_one_way(package):
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            n for n in imported_modules(path) if top(n) in FORBIDDEN[package]
        )
        for path in python_files(package)
    }
    assert {k: v for k, v in offenders.items() if v} == {}


# Importing these needs a running tool (Alembic's env.py runs only inside a migration).
NOT_IMPORTABLE_ALONE = {"models.migrations.env"}

_IMPORT_ALL = r"""
import importlib, json, sys
qt = ("PySide6", "shiboken6")
report = {"pulled_in_qt": {}, "failed": {}}
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except Exception as exc:
        report["failed"][name] = repr(exc)
        continue
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in qt)
    if loaded:
        report["pulled_in_qt"][name] = loaded
        break
print(json.dumps(report))
"""


def test_headless_modules_import_without_loading_qt():
    modules = [
        module_name(path)
        for package in HEADLESS
        for path in python_files(package)
        if module_name(path) not in NOT_IMPORTABLE_ALONE
    ]
    assert "models.vault" in modules and "translations" in modules
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, json.dumps(modules)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["pulled_in_qt"] == {}
    assert report["failed"] == {}


@pytest.mark.parametrize("package", PACKAGES)
def test_every_top_level_folder_is_a_documented_package(package):
    init = ROOT / package / "__init__.py"
    assert init.is_file(), f"{package}/ has no __init__.py"
    docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    assert docstring and len(docstring.split()) >= 4, f"{package}/__init__.py needs a docstring"
