"""What `pip install cloudwarden` puts next to AWS credentials: the scanner's needs, not the demo's.

The emulator patches moto's internals, so the demo extra pins the one moto it was written against."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
EMULATOR_ONLY = {"moto", "flask", "flask-cors", "werkzeug", "docker", "cfn-lint"}
REQUIREMENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


def _name(requirement: str) -> str:
    """The distribution's normalised name (PEP 503), without extras, versions or markers."""
    match = REQUIREMENT_NAME.match(requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group()).lower()


@pytest.fixture(scope="module")
def project() -> dict[str, object]:
    with PYPROJECT.open("rb") as file:
        table: dict[str, object] = tomllib.load(file)["project"]
    return table


def _extra(project: dict[str, object], name: str) -> list[str]:
    extras = project["optional-dependencies"]
    assert isinstance(extras, dict)
    requirements: list[str] = extras[name]
    return requirements


def test_the_scanner_install_pulls_no_emulator(project: dict[str, object]) -> None:
    dependencies = project["dependencies"]
    assert isinstance(dependencies, list)
    assert {_name(requirement) for requirement in dependencies} & EMULATOR_ONLY == set()


def test_the_demo_extra_pins_the_moto_the_emulator_patches(project: dict[str, object]) -> None:
    motos = [requirement for requirement in _extra(project, "demo") if _name(requirement) == "moto"]
    assert len(motos) == 1
    assert re.fullmatch(r"moto(\[[a-z0-9,]+\])?==\d+\.\d+\.\d+", motos[0].replace(" ", ""))


def test_the_dev_extra_installs_the_demo_the_cluster_and_postgresql(project: dict[str, object]) -> None:
    """The tests run the emulator, a Dask cluster and the history store on PostgreSQL: `make test` must
    install those three extras."""
    assert "cloudwarden[demo,distributed,postgresql]" in _extra(project, "dev")
