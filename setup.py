"""Ships the top-level ``resources/`` inside the wheel as ``desk_app._resources``.

Everything else is declared in ``pyproject.toml``; pyproject alone cannot map a folder outside
the package into it, and the brief fixes ``resources/`` at the top of the repository.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["desk_app", "desk_app.*"]), "desk_app._resources"],
    package_dir={"desk_app._resources": "resources"},
    package_data={"desk_app._resources": ["**/*"], "desk_app": ["**/*.ini", "**/*.mako"]},
)
