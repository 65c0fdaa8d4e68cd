"""Build the one-folder CallScope bundle from the current environment, check it, smoke-test it.

    python packaging/build.py            # packaging/dist/callscope/ (+ CallScope.app on macOS)
    python packaging/build.py --archive  # + dist/callscope-<version>-<os>-<arch>.tar.gz|.zip

Needs PyInstaller (``pip install -e '.[packaging]'``). Prints the bundle's size and what
weighs most, checks that required modules are in and excluded ones out, then runs
packaging/smoke_test.py. Exit status 0 only when everything passed.
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = HERE / "callscope.spec"
DIST = HERE / "dist"
WORK = HERE / "build"
REQUIRED_MODULES = (
    "callscope.gui.entry", "callscope.core.cli.analyze", "callscope.core.cli.policy",
    "callscope.core.cli.audit", "callscope.core.media.av_codec", "callscope.resources",
    "av", "sounddevice", "cryptography.hazmat.primitives.asymmetric.ed25519",
    "platformdirs", "pyqtgraph", "numpy",
)  # fmt: skip
FORBIDDEN_PACKAGES = ("scipy", "numba", "llvmlite", "tkinter", "matplotlib", "PyQt5", "PyQt6")
REQUIRED_FILES = ("callscope/resources/demo.pcap", "callscope/resources/icons/callscope.svg")


def build() -> float:
    """Run PyInstaller on the spec; return the wall time in seconds."""
    start = time.monotonic()
    cmd = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", str(DIST), "--workpath", str(WORK), str(SPEC),
    ]  # fmt: skip
    subprocess.run(cmd, cwd=ROOT, check=True)
    return time.monotonic() - start


def bundled_modules(exe: Path) -> set[str]:
    """Names of the Python modules in the executable's embedded PYZ archive."""
    from PyInstaller.archive.readers import CArchiveReader

    return set(CArchiveReader(str(exe)).open_embedded_archive("PYZ.pyz").toc)


def source_modules() -> set[str]:
    """``callscope.*`` module names of the source tree (setup.py's folder mapping)."""
    names = set()
    for folder in ("core", "gui", "resources"):
        for path in (ROOT / folder).rglob("*.py"):
            if "__pycache__" not in path.parts:
                parts = path.relative_to(ROOT).with_suffix("").parts
                names.add(".".join(("callscope", *parts)).removesuffix(".__init__"))
    return names


def check_contents(bundle: Path, exe: Path) -> list[str]:
    """Problems with what the bundle holds (empty when fine); prints what was left out."""
    modules = bundled_modules(exe)
    problems = [f"module {m} missing" for m in REQUIRED_MODULES if m not in modules]
    problems += [f"excluded package {p} bundled" for p in FORBIDDEN_PACKAGES
                 if any(m == p or m.startswith(p + ".") for m in modules)]  # fmt: skip
    internal = bundle / "_internal"
    problems += [f"file {f} missing" for f in REQUIRED_FILES if not (internal / f).is_file()]
    unused = sorted(source_modules() - modules)
    print(f"callscope modules not imported by the app, left out: {', '.join(unused) or 'none'}")
    return problems


def size_mb(path: Path) -> float:
    """Bytes of the regular files under ``path`` (symlinks not followed), in MB (10^6)."""
    files = [p for p in path.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files) / 1e6


def report_size(bundle: Path) -> None:
    """Print the bundle's total size and its heaviest top-level entries."""
    internal = bundle / "_internal"
    parts = sorted(((size_mb(p) if p.is_dir() else p.stat().st_size / 1e6, p.name)
                    for p in internal.iterdir() if not p.is_symlink()), reverse=True)  # fmt: skip
    count = sum(1 for p in bundle.rglob("*") if p.is_file())
    print(f"bundle: {bundle} = {size_mb(bundle):.0f} MB in {count} files")
    print("heaviest: " + ", ".join(f"{name} {mb:.0f} MB" for mb, name in parts[:8]))


def archive(bundle: Path, version: str) -> Path:
    """Zip (Windows) or gzip-tar the bundle next to it; return the archive's path."""
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux")
    base = DIST / f"callscope-{version}-{system}-{platform.machine().lower()}"
    fmt = "zip" if sys.platform == "win32" else "gztar"
    source = DIST / "CallScope.app" if sys.platform == "darwin" else bundle
    out = Path(shutil.make_archive(str(base), fmt, root_dir=source.parent, base_dir=source.name))
    print(f"archive: {out} = {out.stat().st_size / 1e6:.0f} MB")
    return out


def main(argv: list[str]) -> int:
    """Build, check, smoke-test; 0 when all passed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", action="store_true", help="also pack the bundle")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("PyInstaller") is None:
        print("PyInstaller is not installed here: pip install -e '.[packaging]'")
        return 2
    sys.path.insert(0, str(HERE))
    import smoke_test

    seconds = build()
    bundle = DIST / "callscope"
    exe = smoke_test.executable(bundle)
    print(f"built in {seconds:.0f} s with Python {platform.python_version()} on {sys.platform}")
    report_size(bundle)
    problems = check_contents(bundle, exe)
    for problem in problems:
        print(f"FAIL contents: {problem}")
    failures = smoke_test.smoke_test(bundle)
    print("smoke test:", f"FAILED ({', '.join(failures)})" if failures else "all checks passed")
    if args.archive and not problems and not failures:
        version = subprocess.run([str(exe), "--version"], capture_output=True, text=True)
        archive(bundle, version.stdout.split()[-1])
    return 1 if problems or failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
