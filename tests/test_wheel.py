"""A plain installation: the wheel alone runs a client from a folder outside the checkout.

The wheel is built offline from a copy of what an sdist holds (pyproject.toml,
README.md, cxlib/ and the ``notebooks`` link), installed with ``--no-deps`` into
a fresh virtual environment that sees the project environment's libraries
through a ``.pth`` file (nothing is downloaded), and ``cxwb run`` must write the
same results.json there as the checkout does.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import stat
import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.version import Version

from cxlib.resources import PACKAGE_DIR

pytestmark = pytest.mark.slow

#: The smallest demo client (150 customers): one run takes a few seconds.
CLIENT = "berger-haustechnik"
#: Keys of results.json that differ between any two runs or installations.
VOLATILE = {"generated_at", "input_hash", "versions"}
TIMEOUT = 300


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without anything that points Python or cxlib at the checkout."""
    dropped = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV"}
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("CXWB_")}
    env.update(extra)
    return env


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``args``; on failure the assertion shows the command's output."""
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done


def packaged_files() -> dict[str, bytes]:
    """Every non-Python file in the checkout's package, by its path in the wheel."""
    return {
        path.relative_to(PACKAGE_DIR.parent).as_posix(): path.read_bytes()
        for path in PACKAGE_DIR.rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts
    }


@pytest.fixture(scope="module")
def wheel(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built without network from a copy of the sdist's files."""
    if Version(version("setuptools")) < Version("77"):
        pytest.fail("the wheel is built with this environment's setuptools: >= 77 (make install)")
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(project / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(project / "cxlib", source / "cxlib", ignore=ignore)
    # the checkout's top-level link to the notebooks, as it is
    (source / "notebooks").symlink_to(os.readlink(project / "notebooks"))
    dist = tmp / "dist"
    run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"),
            *("--no-index", "--wheel-dir", str(dist), str(source)),
        ],
        cwd=tmp,
        env=clean_env(),
    )
    (path,) = dist.glob("cxwb-*.whl")
    return path


def test_the_wheel_holds_notebooks_templates_and_texts_as_files(wheel: Path):
    expected = packaged_files()
    assert any(name.startswith("cxlib/notebooks/") for name in expected)
    with zipfile.ZipFile(wheel) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        for name, content in expected.items():
            assert name in infos, f"{name} is missing from the wheel: declare it as package data"
            mode = infos[name].external_attr >> 16
            assert not stat.S_ISLNK(mode), f"{name} is a symbolic link in the wheel"
            assert archive.read(name) == content, name
        entry_points = archive.read("cxwb-0.1.0.dist-info/entry_points.txt").decode()
    assert "cxwb = cxlib.cli:entry" in entry_points
    assert not any(name.startswith("notebooks/") for name in infos)


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with only the wheel installed; returns its ``bin`` folder."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=venv.parent, env=clean_env()
    )
    python = venv / "bin" / "python"
    purelib = run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        cwd=venv,
        env=clean_env(),
    ).stdout.strip()
    # the dependencies (and pip) from the project's environment; its .pth files,
    # among them the editable install's finder, are not read from a folder added so
    (Path(purelib) / "project-environment.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8"
    )
    run(
        [
            *(str(python), "-m", "pip", "install", "--no-deps", "--no-index"),
            *("--ignore-installed", "--disable-pip-version-check", str(wheel)),
        ],
        cwd=venv,
        env=clean_env(),
    )
    return venv / "bin"


def test_the_installed_wheel_runs_a_client_outside_the_checkout_as_the_checkout_does(
    installed: Path, project: Path, tmp_path: Path
):
    work = tmp_path / "kunden"
    (work / "parameters").mkdir(parents=True)
    shutil.copy2(project / "parameters" / f"{CLIENT}.yaml", work / "parameters")
    shutil.copytree(project / "data" / CLIENT, work / "data" / CLIENT)
    env = clean_env(
        PATH=f"{installed}{os.pathsep}{os.environ.get('PATH', '')}",
        # the dependencies' data files (nbconvert's base templates) stay in the
        # project environment's share/jupyter, which the .pth file cannot show
        JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"),
    )

    probe = "import cxlib, cxlib.resources as r; print(cxlib.__file__); print(r.checkout_dir())"
    lines = run([str(installed / "python"), "-c", probe], cwd=work, env=env).stdout.splitlines()
    venv = installed.parent.resolve()
    assert Path(lines[0]).resolve().is_relative_to(venv), f"cxlib imported from {lines[0]}"
    assert lines[1] == "None"

    run([str(installed / "cxwb"), "run", CLIENT], cwd=work, env=env)
    report = work / "reports" / CLIENT
    assert (report / "report.html").stat().st_size > 100_000
    installed_results = json.loads((report / "results.json").read_text(encoding="utf-8"))

    checkout_out = tmp_path / "checkout-reports"
    run(
        [sys.executable, "-m", "cxlib.cli", "run", CLIENT, "--out", str(checkout_out)],
        cwd=project,
        env=clean_env(PYTHONPATH=str(project)),
    )
    checkout_results = json.loads(
        (checkout_out / CLIENT / "results.json").read_text(encoding="utf-8")
    )
    for key in VOLATILE:
        assert key in installed_results
        installed_results.pop(key)
        checkout_results.pop(key)
    assert installed_results == checkout_results
