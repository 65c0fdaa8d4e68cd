"""Map the top-level folders onto one import package: ``callscope.core`` ← ``core/``.

Bare ``core``/``gui`` would collide with other projects in site-packages.
"""

from setuptools import find_packages, setup

FOLDERS = ("core", "gui", "resources")
packages: list[str] = []
package_dir: dict[str, str] = {}
for folder in FOLDERS:
    for pkg in find_packages(include=[folder, f"{folder}.*"]):
        name = f"callscope.{pkg}"
        packages.append(name)
        package_dir[name] = pkg.replace(".", "/")

setup(
    packages=packages,
    package_dir=package_dir,
    package_data={"callscope.resources": ["*.pcap", "*.pcapng", "*.svg", "*.png", "icons/*.svg"]},
    include_package_data=True,
)
