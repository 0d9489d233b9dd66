"""The sample report and its rules, as fixtures."""

from __future__ import annotations

import pytest

from cloudwarden.findings import Report
from cloudwarden.ruledoc import RuleDoc

from .sample import RULES, sample_report


@pytest.fixture
def report() -> Report:
    return sample_report()


@pytest.fixture
def rules() -> tuple[RuleDoc, ...]:
    return RULES
