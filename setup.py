"""Package discovery for setuptools (everything else is declared in pyproject.toml).

Every subpackage of lowdim_utils is found automatically (regular or namespace packages), and
the repository's top-level data/ folder is added as the package lowdim_utils._data, which
pyproject.toml's [tool.setuptools.package-dir] maps to data/ and whose package-data globs ship
MANIFEST.json, the data files, the licences, the scripts and the README. (pyproject.toml alone
cannot do this: `packages.find` only finds folders below `where`, and an explicit `packages`
list would have to be kept in sync by hand.)
"""
from setuptools import find_namespace_packages, setup

setup(packages=find_namespace_packages(include=["lowdim_utils", "lowdim_utils.*"],
                                       exclude=["*.__pycache__", "*.__pycache__.*"])
      + ["lowdim_utils._data"])
