"""Beanstalk environments get CNAMEs as in AWS, and CheckDNSAvailability answers from every account."""

import json
import re
import urllib.error
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cloudwarden_emulator import DEFAULT_ACCOUNT, Emulator

HOME = "us-east-1"
AWAY = "eu-west-1"
OTHER_ACCOUNT = "444444444444"
STACK = "64bit Amazon Linux 2023 v4.6.0 running Python 3.11"


def create_environment(
    emulator: Emulator, name: str, region: str = HOME, account_id: str | None = None, **kwargs: str
) -> dict[str, Any]:
    """An environment of a new application `<name>-app`."""
    beanstalk = emulator.client("elasticbeanstalk", region, account_id=account_id)
    beanstalk.create_application(ApplicationName=f"{name}-app")
    answer: dict[str, Any] = beanstalk.create_environment(
        ApplicationName=f"{name}-app", EnvironmentName=name, SolutionStackName=STACK, **kwargs
    )
    return answer


def availability(
    emulator: Emulator, prefix: str, region: str = HOME, account_id: str | None = None
) -> tuple[bool, str]:
    beanstalk = emulator.client("elasticbeanstalk", region, account_id=account_id)
    answer = beanstalk.check_dns_availability(CNAMEPrefix=prefix)
    return answer["Available"], answer["FullyQualifiedCNAME"]


def cnames(emulator: Emulator, region: str = HOME) -> list[str]:
    environments = emulator.client("elasticbeanstalk", region).describe_environments()["Environments"]
    return [environment["CNAME"] for environment in environments]


def test_a_prefix_becomes_the_cname_in_lower_case(emulator: Emulator) -> None:
    created = create_environment(emulator, "Web-Env", CNAMEPrefix="Shop-Front")

    assert created["CNAME"] == "shop-front.us-east-1.elasticbeanstalk.com"
    assert cnames(emulator) == ["shop-front.us-east-1.elasticbeanstalk.com"]


def test_without_a_prefix_the_environment_name_gets_a_random_label(emulator: Emulator) -> None:
    created = create_environment(emulator, "Web-Env", region=AWAY)

    assert re.fullmatch(r"web-env\.eba-[a-z0-9]{8}\.eu-west-1\.elasticbeanstalk\.com", created["CNAME"])
    assert cnames(emulator, AWAY) == [created["CNAME"]]
    assert availability(emulator, "web-env", AWAY) == (True, "web-env.eu-west-1.elasticbeanstalk.com")


def test_a_free_prefix_is_available(emulator: Emulator) -> None:
    assert availability(emulator, "Nobody-Has-This") == (
        True,
        "nobody-has-this.us-east-1.elasticbeanstalk.com",
    )


@pytest.mark.parametrize("caller", [DEFAULT_ACCOUNT, OTHER_ACCOUNT])
def test_a_prefix_held_in_any_account_is_unavailable_in_its_region(emulator: Emulator, caller: str) -> None:
    create_environment(emulator, "held-env", CNAMEPrefix="held", account_id=OTHER_ACCOUNT)

    assert availability(emulator, "held", account_id=caller) == (False, "held.us-east-1.elasticbeanstalk.com")
    assert availability(emulator, "HELD", account_id=caller)[0] is False
    assert availability(emulator, "held", AWAY, account_id=caller) == (
        True,
        "held.eu-west-1.elasticbeanstalk.com",
    )


def test_a_taken_prefix_is_refused(emulator: Emulator) -> None:
    create_environment(emulator, "first-env", CNAMEPrefix="shared", account_id=OTHER_ACCOUNT)

    with pytest.raises(ClientError) as caught:
        create_environment(emulator, "second-env", CNAMEPrefix="Shared")

    assert caught.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert caught.value.response["Error"]["Message"] == (
        "DNS name (shared.us-east-1.elasticbeanstalk.com) is not available."
    )
    assert cnames(emulator) == []


def test_a_reserved_prefix_is_unavailable_in_its_region_until_reset(emulator: Emulator) -> None:
    emulator.reserve_beanstalk_cname("Claimed", AWAY)

    assert availability(emulator, "claimed", AWAY) == (False, "claimed.eu-west-1.elasticbeanstalk.com")
    assert availability(emulator, "claimed", HOME)[0] is True
    with pytest.raises(ClientError) as caught:
        create_environment(emulator, "mine-env", CNAMEPrefix="claimed", region=AWAY)
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValue"

    emulator.reset()

    assert availability(emulator, "claimed", AWAY)[0] is True


def test_reservations_default_to_the_default_region(emulator: Emulator) -> None:
    emulator.reserve_beanstalk_cname("claimed")

    assert availability(emulator, "claimed", HOME)[0] is False


@pytest.mark.parametrize(
    ("prefix", "region", "problem"),
    [
        ("abc", HOME, "'abc' is not a CNAME prefix"),
        ("-leading", HOME, "'-leading' is not a CNAME prefix"),
        ("has.dot", HOME, "'has.dot' is not a CNAME prefix"),
        ("fine-prefix", "moon-1", "'moon-1' is not a region name"),
    ],
)
def test_impossible_reservations_are_refused(
    emulator: Emulator, prefix: str, region: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        emulator.reserve_beanstalk_cname(prefix, region)


def test_the_server_validates_reservations(emulator: Emulator) -> None:
    request = urllib.request.Request(
        f"{emulator.endpoint}/_cloudwarden/beanstalk-cnames",
        data=b'{"prefix": "x", "region": "us-east-1"}',
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)

    with caught.value as error:
        assert error.code == 400
        assert "'x' is not a CNAME prefix" in json.load(error)["error"]
