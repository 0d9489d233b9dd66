"""Long scans: the credentials of an assumed role are fetched again before they expire."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudwarden.collect.session import AwsSession
from cloudwarden_emulator import Emulator

from .scanner import emulator_environment

MEMBER = "222233334444"
ROLE = f"arn:aws:iam::{MEMBER}:role/OrganizationAccountAccessRole"


@pytest.fixture
def aws_environment(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in emulator_environment(emulator).items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


@pytest.mark.usefixtures("aws_environment")
def test_credentials_close_to_expiry_are_refreshed_and_calls_go_on() -> None:
    # 15-minute credentials are already inside botocore's refresh window: every use renews them.
    assumed = AwsSession().assume(ROLE, duration_seconds=900)
    sts = assumed.client("sts")
    for _ in range(3):
        assert sts.get_caller_identity()["Account"] == MEMBER
    assert assumed.statistics.snapshot()["sts.AssumeRole"].calls >= 2


@pytest.mark.usefixtures("aws_environment")
def test_credentials_far_from_expiry_are_fetched_once() -> None:
    assumed = AwsSession().assume(ROLE, duration_seconds=3600)
    sts = assumed.client("sts")
    for _ in range(3):
        assert sts.get_caller_identity()["Account"] == MEMBER
    assert assumed.statistics.snapshot()["sts.AssumeRole"].calls == 1


@pytest.mark.usefixtures("aws_environment")
def test_assumed_sessions_reuse_the_parsed_service_models() -> None:
    """Parsing botocore's models again for every account would cost seconds of CPU per account."""
    base = AwsSession()
    first, second = base.assume(ROLE), base.assume(ROLE)
    loader = base._session._session.get_component("data_loader")
    assert first._session._session.get_component("data_loader") is loader
    assert second._session._session.get_component("data_loader") is loader
    assert first.client("sts").get_caller_identity()["Account"] == MEMBER


@pytest.mark.usefixtures("aws_environment")
def test_every_session_of_the_process_reuses_the_parsed_models_and_the_search_path_stays_put() -> None:
    """Two scans in one process (a library user, a cluster worker scanning account after account)
    parse the models once; boto3, which adds its data directory for every session, adds it once."""
    first = AwsSession()
    loader = first._session._session.get_component("data_loader")
    paths = list(loader.search_paths)
    sessions = [AwsSession(), AwsSession().assume(ROLE), first.sibling(), first.assume(ROLE)]
    assert [session._session._session.get_component("data_loader") for session in sessions] == [loader] * 4
    assert loader.search_paths == paths
    assert len(set(paths)) == len(paths)
    assert sessions[1].client("sts").get_caller_identity()["Account"] == MEMBER


def test_a_session_given_another_data_path_reads_its_own_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    custom = AwsSession()._session._session.get_component("data_loader")
    monkeypatch.delenv("AWS_DATA_PATH")
    default = AwsSession()._session._session.get_component("data_loader")
    assert custom is not default
    assert str(tmp_path) in custom.search_paths
    assert str(tmp_path) not in default.search_paths
