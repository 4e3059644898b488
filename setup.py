"""Build step only (the metadata is in pyproject.toml): copy the top-level example folders
``zones/`` and ``topologies/`` into the wheel as ``netemu/examples/``, so that an installed
netemu serves and traces them (see netemu/shipped.py). Editable installs read the checkout."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildPyWithExamples(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for name in ("zones", "topologies"):
            source = HERE / name
            if source.is_dir():
                target = Path(self.build_lib) / "netemu" / "examples" / name
                shutil.copytree(source, target, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithExamples})
