"""What a fleet installs: the wheel and the sdist built from this source (``pip install
./clients/python`` builds the same wheel). Each holds every module and the compile workers'
``sitecustomize`` (package data, which Inductor's compile workers start), and nothing of the
tests or proofs. Built offline with the setuptools at hand, in a copy of the project, so the
source tree gets no ``build/`` or ``egg-info``."""

import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unittest
import zipfile

import pt2cache

PROJECT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir)
SOURCE = os.path.join(PROJECT, "pt2cache")
HOOK = "pt2cache/_worker_hook/sitecustomize.py"

# bdist_wheel lives in setuptools from 70.1, in the wheel package before
CAN_BUILD_WHEEL = importlib.util.find_spec("wheel") is not None or (
    importlib.util.find_spec("setuptools") is not None
    and importlib.util.find_spec("setuptools.command.bdist_wheel") is not None)



def _setuptools_reads_pyproject() -> bool:
    """setuptools 61 or newer, as pyproject.toml's build-system asks (pip's isolated build would
    fetch one; this test builds offline with the one at hand)."""
    try:
        import setuptools
    except ImportError:
        return False
    return tuple(int(p) for p in setuptools.__version__.split(".")[:2] if p.isdigit()) >= (61,)


needs_setuptools = unittest.skipUnless(_setuptools_reads_pyproject(),
                                       "setuptools 61 or newer is not installed here")


def modules() -> set:
    """The package's files in the source tree, as paths inside a wheel."""
    found = set()
    for directory, subdirectories, names in os.walk(SOURCE):
        subdirectories[:] = [d for d in subdirectories if d != "__pycache__"]
        for name in names:
            if name.endswith(".py"):
                relative = os.path.relpath(os.path.join(directory, name), PROJECT)
                found.add(relative.replace(os.sep, "/"))
    return found


@needs_setuptools
@unittest.skipUnless(os.path.isdir(SOURCE) and os.path.exists(
    os.path.join(PROJECT, "pyproject.toml")), "the client source is not beside these tests")
class PackagingTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="pt2cache-packaging-")
        project = os.path.join(cls.work, "project")
        shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns(
            "__pycache__", "*.pyc", "build", "dist", "*.egg-info"))
        cls.dist = os.path.join(cls.work, "dist")
        os.mkdir(cls.dist)
        cls.build_lib = os.path.join(cls.work, "lib")
        # the wheel where this setuptools can make one; otherwise the tree bdist_wheel would zip
        steps = ["from setuptools import build_meta; build_meta.build_sdist(%r)" % cls.dist]
        if CAN_BUILD_WHEEL:
            steps.append("from setuptools import build_meta; build_meta.build_wheel(%r)" % cls.dist)
        else:
            steps.append("import sys, setuptools; sys.argv[1:] = ['build_py', '--build-lib', %r]; "
                         "setuptools.setup()" % cls.build_lib)
        for step in steps:  # each in a fresh interpreter: setuptools keeps state between builds
            built = subprocess.run([sys.executable, "-c", step], cwd=project,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   universal_newlines=True, timeout=120)
            if built.returncode != 0:
                raise AssertionError("%s failed:\n%s" % (step, built.stdout[-4000:]))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def built(self, suffix: str) -> str:
        names = [n for n in os.listdir(self.dist) if n.endswith(suffix)]
        self.assertEqual(len(names), 1, os.listdir(self.dist))
        return os.path.join(self.dist, names[0])

    def package_files(self) -> set:
        """What the wheel installs under pt2cache/."""
        if CAN_BUILD_WHEEL:
            with zipfile.ZipFile(self.built(".whl")) as wheel:
                return {n for n in wheel.namelist() if n.startswith("pt2cache/")}
        found = set()
        for directory, _, names in os.walk(os.path.join(self.build_lib, "pt2cache")):
            for name in names:
                found.add(os.path.relpath(os.path.join(directory, name),
                                          self.build_lib).replace(os.sep, "/"))
        return found

    def test_the_wheel_holds_every_module_and_the_workers_hook_and_nothing_else(self):
        files = self.package_files()
        self.assertIn(HOOK, files)
        self.assertEqual(files, modules())

    def test_the_package_names_the_version_python_and_the_command(self):
        if CAN_BUILD_WHEEL:
            with zipfile.ZipFile(self.built(".whl")) as wheel:
                info = "pt2cache-%s.dist-info/" % pt2cache.__version__
                metadata = wheel.read(info + "METADATA").decode()
                scripts = wheel.read(info + "entry_points.txt").decode()
                others = {n for n in wheel.namelist()
                          if not n.startswith("pt2cache/") and not n.startswith(info)}
            self.assertEqual(others, set())  # no tests/, proof/ or top-level strays
        else:  # the same metadata, as the sdist carries it
            root = "pt2cache-%s/" % pt2cache.__version__
            with tarfile.open(self.built(".tar.gz")) as archive:
                metadata = archive.extractfile(root + "PKG-INFO").read().decode()
                scripts = archive.extractfile(
                    root + "pt2cache.egg-info/entry_points.txt").read().decode()
        self.assertIn("\nVersion: %s\n" % pt2cache.__version__, metadata)
        self.assertIn("\nRequires-Python: >=3.9\n", metadata)
        self.assertIn("pt2cache = pt2cache.cli:main", scripts)

    def test_the_sdist_holds_the_package_readme_and_project_file_not_tests_or_proofs(self):
        sdist = self.built(".tar.gz")
        root = "pt2cache-%s/" % pt2cache.__version__
        self.assertEqual(os.path.basename(sdist), "pt2cache-%s.tar.gz" % pt2cache.__version__)
        with tarfile.open(sdist) as archive:
            names = {m.name[len(root):] for m in archive.getmembers() if m.isfile()}
        self.assertTrue(modules() <= names, modules() - names)
        self.assertTrue({"README.md", "pyproject.toml", "PKG-INFO"} <= names, names)
        strays = {n for n in names if n.split("/")[0] in ("tests", "proof", "build", "dist")
                  or "__pycache__" in n or n.endswith(".pyc")}
        self.assertEqual(strays, set())


if __name__ == "__main__":
    unittest.main()
