"""The bundled codebooks and study data are found from a clone and from an installed wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from hsqual.resources import bundled_codebooks, bundled_path, study_dir

ROOT = Path(__file__).parents[1]


def test_from_the_clone_the_top_level_folders_are_used():
    assert bundled_path("codebooks") == ROOT / "codebooks"
    assert study_dir("kurusu2015") == ROOT / "transcripts" / "kurusu2015"
    assert len(bundled_codebooks()) == 4


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, text=True)
    (whl,) = out.glob("hsqual-*.whl")
    return whl


def test_wheel_carries_codebooks_and_study_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in ("hsqual/bundled/codebooks/three_freedoms.yaml", "hsqual/bundled/transcripts/kurusu2015/excerpts.csv",
              "hsqual/bundled/transcripts/kurusu2015/paper.txt", "hsqual/bundled/transcripts/kurusu2015/codings.csv"):
        assert f in names, f


def test_wheel_is_marked_typed(wheel):
    """py.typed ships, so type checkers read hsqual's annotations in an installed copy."""
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "hsqual/py.typed" in names
    assert "hsqual/__init__.py" in names


def test_installed_wheel_finds_its_data_away_from_the_clone(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("import hsqual, hsqual.resources as r; from hsqual.studies import kurusu2015;"
            "s = kurusu2015.load(); print(hsqual.__file__); print(r.bundled_path('codebooks'));"
            "print(len(s.table1()), len(s.codebook))")
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert lines[0].startswith(str(site))
    assert lines[1] == str(site / "hsqual" / "bundled" / "codebooks")
    assert lines[2].split()[0] == "10"
