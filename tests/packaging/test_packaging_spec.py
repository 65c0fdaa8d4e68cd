"""packaging/callscope.spec, read without building: entry point, resources, exclusions."""

from __future__ import annotations

import ast
import contextlib
import re
import tomllib
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "packaging" / "callscope.spec"
LAUNCHER = REPO / "packaging" / "launcher.py"


def spec_constants() -> dict[str, Any]:
    """Module-level NAME = <literal> assignments of the spec (which must parse as Python)."""
    tree = ast.parse(SPEC.read_text(encoding="utf-8"), filename=str(SPEC))
    constants: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                with contextlib.suppress(ValueError):  # computed at build time
                    constants[target.id] = ast.literal_eval(node.value)
    return constants


def test_spec_names_the_console_entry_point() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    constants = spec_constants()
    assert constants["APP_NAME"] == "callscope"
    assert constants["ENTRY_POINT"] == scripts["callscope"]
    module, func = constants["ENTRY_POINT"].split(":")
    launcher = ast.parse(LAUNCHER.read_text(encoding="utf-8"))
    imports = [n for n in ast.walk(launcher) if isinstance(n, ast.ImportFrom)]
    assert any(n.module == module and func in {a.name for a in n.names} for n in imports)
    assert "freeze_support" in LAUNCHER.read_text(encoding="utf-8")


def test_spec_bundles_the_resources_the_app_opens() -> None:
    patterns = spec_constants()["RESOURCES"]
    resources = REPO / "resources"
    bundled = {p.relative_to(resources).as_posix() for pat in patterns for p in resources.glob(pat)}
    assert "demo.pcap" in bundled
    icons = {p.relative_to(resources).as_posix() for p in resources.glob("icons/*.svg")}
    assert icons and icons <= bundled
    assert not any(name.startswith("screenshots/") for name in bundled)


def test_spec_excludes_heavy_optional_packages_but_no_qt_module() -> None:
    excludes = set(spec_constants()["EXCLUDES"])
    assert {"scipy", "numba", "llvmlite", "tkinter", "matplotlib"} <= excludes
    # pyqtgraph imports QtOpenGL & co.: excluding a Qt module breaks the bundle.
    assert not any(name.startswith(("PySide6", "shiboken6")) for name in excludes)


def test_spec_collects_every_module_imported_by_name() -> None:
    constants = spec_constants()
    packages, modules = constants["DYNAMIC_PACKAGES"], constants["DYNAMIC_MODULES"]
    cli_main = (REPO / "core" / "cli" / "main.py").read_text(encoding="utf-8")
    commands = re.findall(r'"(callscope\.core\.cli\.\w+)"', cli_main)
    assert commands
    assert all(any(cmd.startswith(pkg + ".") for pkg in packages) for cmd in commands)
    assert "callscope.resources" in modules  # importlib.resources.files() needs its __init__
