"""Ships the top-level ``resources/`` inside the wheel as ``desk_app._resources``.

Everything else is declared in ``pyproject.toml``; pyproject alone cannot map a folder outside
the package into it, and the brief fixes ``resources/`` at the top of the repository. Its
folders are listed as (namespace) packages so that setuptools knows they are meant to ship.
"""

from setuptools import find_namespace_packages, find_packages, setup

RESOURCES = ["desk_app._resources"] + [
    f"desk_app._resources.{name}" for name in find_namespace_packages(where="resources")
]

setup(
    packages=[*find_packages(include=["desk_app", "desk_app.*"]), *RESOURCES],
    package_dir={"desk_app._resources": "resources"},
    package_data={
        **{name: ["*"] for name in RESOURCES},
        "desk_app": ["**/*.ini", "**/*.mako"],
    },
)
