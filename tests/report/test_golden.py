"""Each format's exact output for the sample report, against a file kept under golden/.

After an intended change of output, regenerate the files and review their diff:
`CLOUDWARDEN_REGENERATE_GOLDEN=1 pytest tests/report/test_golden.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cloudwarden.findings import Report
from cloudwarden.ruledoc import RuleDoc

from .sample import RENDERERS

GOLDEN = Path(__file__).parent / "golden"
FILE_NAMES = {
    "sarif": "report.sarif",
    "ocsf": "report.ocsf.json",
    "asff": "report.asff.json",
    "junit": "report.junit.xml",
    "csv": "report.csv",
}


@pytest.mark.parametrize("output_format", sorted(RENDERERS))
def test_output_matches_its_golden_file(
    output_format: str, report: Report, rules: tuple[RuleDoc, ...]
) -> None:
    output = RENDERERS[output_format](report, rules)
    path = GOLDEN / FILE_NAMES[output_format]
    if os.environ.get("CLOUDWARDEN_REGENERATE_GOLDEN") == "1":
        path.write_bytes(output.encode())
    assert output == path.read_bytes().decode(), f"{path.name} differs; see this module's docstring"


def test_every_format_has_a_golden_file() -> None:
    assert set(FILE_NAMES) == set(RENDERERS)


def test_rendering_is_deterministic(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    for render in RENDERERS.values():
        assert render(report, rules) == render(report, rules)
