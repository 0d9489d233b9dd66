"""The control API: health, root state, reset, account isolation and the scanner's environment."""

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from cloudwarden_emulator import DEFAULT_ACCOUNT, Emulator, EmulatorError, RootKey, RootState

OTHER_ACCOUNT = "111111111111"


def test_health(emulator: Emulator) -> None:
    with urllib.request.urlopen(f"{emulator.endpoint}/_cloudwarden/health", timeout=10) as response:
        assert (response.status, json.load(response)) == (200, {"status": "ok"})


def test_unknown_control_path_is_404(emulator: Emulator) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{emulator.endpoint}/_cloudwarden/nothing", timeout=10)

    with caught.value as error:
        assert (error.code, json.load(error)) == (
            404,
            {"error": "no control endpoint GET /_cloudwarden/nothing"},
        )


def test_root_state_is_validated_by_the_server(emulator: Emulator) -> None:
    request = urllib.request.Request(
        f"{emulator.endpoint}/_cloudwarden/root/{DEFAULT_ACCOUNT}", data=b'{"mfa": "sms"}', method="PUT"
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)

    with caught.value as error:
        assert (error.code, json.load(error)) == (400, {"error": "Invalid enum value 'sms' - at `$.mfa`"})


def test_root_state_needs_a_real_account_id(emulator: Emulator) -> None:
    with pytest.raises(EmulatorError, match="'1234' is not a 12-digit account id"):
        emulator.set_root("1234", RootState())


@pytest.mark.parametrize(
    ("build", "problem"),
    [
        (lambda: RootState(created="2020-01-01T00:00:00"), "has no UTC offset"),
        (lambda: RootState(password_present=False, password_last_used="2024-01-01T00:00:00Z"), "requires"),
        (
            lambda: RootState(access_keys=(RootKey(active=True, last_rotated="2024-01-01T00:00:00Z"),) * 3),
            "2",
        ),
    ],
)
def test_impossible_root_states_are_refused(build: Callable[[], RootState], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        build()


def test_reset_forgets_resources_root_states_and_errors(emulator: Emulator) -> None:
    iam = emulator.client("iam")
    iam.create_user(UserName="zed")
    emulator.set_root(DEFAULT_ACCOUNT, RootState(mfa="virtual"))
    emulator.inject_error("iam", "GetAccountSummary")

    emulator.reset()

    assert iam.list_users()["Users"] == []
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0


def test_accounts_are_isolated(emulator: Emulator) -> None:
    emulator.client("iam").create_user(UserName="zed")
    emulator.set_root(OTHER_ACCOUNT, RootState(mfa="hardware"))
    other = emulator.client("iam", account_id=OTHER_ACCOUNT)

    assert other.list_users()["Users"] == []
    assert other.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 1
    assert emulator.client("iam").get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0


def test_client_enters_another_account_through_its_organization_role(emulator: Emulator) -> None:
    identity = emulator.client("sts", account_id=OTHER_ACCOUNT).get_caller_identity()

    assert identity["Account"] == OTHER_ACCOUNT
    assert identity["Arn"] == (
        "arn:aws:sts::111111111111:assumed-role/OrganizationAccountAccessRole/cloudwarden-emulator"
    )


def test_default_client_acts_in_the_default_account(emulator: Emulator) -> None:
    assert emulator.client("sts").get_caller_identity()["Account"] == DEFAULT_ACCOUNT


def test_env_reaches_the_emulator_and_hides_the_developer_config(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "developer-profile")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "developer-token")
    env = emulator.env()
    script = "import boto3; print(boto3.client('sts').get_caller_identity()['Account'])"

    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True, timeout=60
    )

    assert result.stdout == f"{DEFAULT_ACCOUNT}\n"
    assert {key: value for key, value in env.items() if key.startswith("AWS_")} == {
        "AWS_ENDPOINT_URL": emulator.endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }


def test_client_ignores_the_developer_profile(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "developer-profile")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")

    assert emulator.client("sts").get_caller_identity()["Account"] == DEFAULT_ACCOUNT


def test_latency_delays_aws_answers_until_reset(emulator: Emulator) -> None:
    """Two seconds, so that a call on a busy machine (a few tenths of a second) is told from it."""
    sts = emulator.client("sts")
    emulator.set_latency(2000)
    started = time.perf_counter()
    sts.get_caller_identity()
    assert time.perf_counter() - started >= 2.0
    emulator.reset()
    started = time.perf_counter()
    sts.get_caller_identity()
    assert time.perf_counter() - started < 1.5


def test_ec2_regions_start_without_moto_s_catalogue_of_public_images(emulator: Emulator) -> None:
    """Loading it costs every region after every reset; nothing of cloudwarden reads images."""
    assert emulator.client("ec2", "eu-west-1").describe_images(Owners=["amazon"])["Images"] == []


def test_clients_of_several_accounts_made_at_once_keep_their_own_credentials(emulator: Emulator) -> None:
    """Clients share one botocore session (its model cache); credentials belong to each client."""
    accounts = [DEFAULT_ACCOUNT, OTHER_ACCOUNT, "222222222222", "333333333333"] * 3

    def identity(account: str) -> str:
        return str(emulator.client("sts", account_id=account).get_caller_identity()["Account"])

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(identity, accounts)) == accounts
