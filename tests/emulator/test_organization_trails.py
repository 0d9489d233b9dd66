"""An organization trail of the management account is seen, by ARN, from every member account."""

from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cloudwarden_emulator import DEFAULT_ACCOUNT, Emulator

HOME = "us-east-1"
AWAY = "eu-west-1"
OUTSIDER = "333333333333"
BUCKET = "organization-trail-logs"
ORG_TRAIL = f"arn:aws:cloudtrail:{HOME}:{DEFAULT_ACCOUNT}:trail/organization"
LOCAL_TRAIL = f"arn:aws:cloudtrail:{HOME}:{DEFAULT_ACCOUNT}:trail/management-only"
MANAGEMENT_WRITES = [
    {
        "Name": "management writes",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Management"]},
            {"Field": "readOnly", "Equals": ["false"]},
        ],
    }
]


@dataclass(frozen=True)
class Organization:
    emulator: Emulator
    member: str

    def cloudtrail(self, region: str = HOME, account_id: str | None = None) -> Any:
        return self.emulator.client("cloudtrail", region, account_id=account_id or self.member)


@pytest.fixture
def organization(emulator: Emulator) -> Organization:
    """The default account manages an organization with one member, and has an organization trail."""
    organizations = emulator.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    organizations.create_account(AccountName="member", Email="member@example.com")
    (member,) = (
        account["Id"] for account in organizations.list_accounts()["Accounts"] if account["Name"] == "member"
    )
    emulator.client("s3").create_bucket(Bucket=BUCKET)
    cloudtrail = emulator.client("cloudtrail", HOME)
    cloudtrail.create_trail(
        Name="organization", S3BucketName=BUCKET, IsMultiRegionTrail=True, IsOrganizationTrail=True
    )
    cloudtrail.put_event_selectors(TrailName="organization", AdvancedEventSelectors=MANAGEMENT_WRITES)
    cloudtrail.start_logging(Name="organization")
    cloudtrail.create_trail(Name="management-only", S3BucketName=BUCKET, IsMultiRegionTrail=True)
    return Organization(emulator, member)


def arns(cloudtrail: Any, shadows: bool = True) -> list[str]:
    return [
        trail["TrailARN"] for trail in cloudtrail.describe_trails(includeShadowTrails=shadows)["trailList"]
    ]


def error_code(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    code: str = caught.value.response["Error"]["Code"]
    return code


@pytest.mark.parametrize("region", [HOME, AWAY])
def test_a_member_lists_the_organization_trail_in_every_region(
    organization: Organization, region: str
) -> None:
    (trail,) = organization.cloudtrail(region).describe_trails(includeShadowTrails=True)["trailList"]

    assert trail == {
        "Name": "organization",
        "S3BucketName": BUCKET,
        "IncludeGlobalServiceEvents": True,
        "IsMultiRegionTrail": True,
        "HomeRegion": HOME,
        "TrailARN": ORG_TRAIL,
        "LogFileValidationEnabled": False,
        "HasCustomEventSelectors": False,
        "HasInsightSelectors": False,
        "IsOrganizationTrail": True,
    }


def test_a_member_lists_it_among_shadow_trails_only(organization: Organization) -> None:
    assert arns(organization.cloudtrail(HOME), shadows=False) == []


def test_a_member_lists_it_after_its_own_trails(organization: Organization) -> None:
    organization.emulator.client("s3", account_id=organization.member).create_bucket(Bucket="member-logs")
    own = organization.cloudtrail(AWAY).create_trail(Name="own", S3BucketName="member-logs")["TrailARN"]

    assert arns(organization.cloudtrail(AWAY)) == [own, ORG_TRAIL]
    trails = organization.cloudtrail(AWAY).list_trails()["Trails"]
    assert [(trail["TrailARN"], trail["HomeRegion"]) for trail in trails] == [(own, AWAY), (ORG_TRAIL, HOME)]


def test_the_management_account_lists_it_once(organization: Organization) -> None:
    management = organization.cloudtrail(AWAY, DEFAULT_ACCOUNT)

    assert arns(management) == [ORG_TRAIL, LOCAL_TRAIL]


def test_a_single_region_organization_trail_applies_in_its_home_region_only(
    organization: Organization,
) -> None:
    organization.cloudtrail(HOME, DEFAULT_ACCOUNT).update_trail(Name="organization", IsMultiRegionTrail=False)

    assert arns(organization.cloudtrail(HOME)) == [ORG_TRAIL]
    assert arns(organization.cloudtrail(AWAY)) == []


@pytest.mark.parametrize("region", [HOME, AWAY])
def test_a_member_reads_its_status_by_arn(organization: Organization, region: str) -> None:
    status = organization.cloudtrail(region).get_trail_status(Name=ORG_TRAIL)

    assert status["IsLogging"] is True
    organization.cloudtrail(HOME, DEFAULT_ACCOUNT).stop_logging(Name="organization")
    assert organization.cloudtrail(region).get_trail_status(Name=ORG_TRAIL)["IsLogging"] is False


def test_a_member_sees_its_delivery_error(organization: Organization) -> None:
    organization.emulator.set_trail_delivery_error(ORG_TRAIL, "AccessDenied")

    assert organization.cloudtrail(HOME).get_trail_status(Name=ORG_TRAIL)["LatestDeliveryError"] == (
        "AccessDenied"
    )


def test_a_member_reads_its_event_selectors_by_arn(organization: Organization) -> None:
    answer = organization.cloudtrail(HOME).get_event_selectors(TrailName=ORG_TRAIL)

    assert (answer["TrailARN"], answer["AdvancedEventSelectors"]) == (ORG_TRAIL, MANAGEMENT_WRITES)


@pytest.mark.parametrize("operation", ["get_trail_status", "get_event_selectors"])
def test_a_member_cannot_name_it_by_its_name_alone(organization: Organization, operation: str) -> None:
    client = organization.cloudtrail(HOME)
    argument = "Name" if operation == "get_trail_status" else "TrailName"

    assert error_code(getattr(client, operation), **{argument: "organization"}) == "TrailNotFoundException"


def test_a_trail_that_is_not_an_organization_trail_stays_in_its_account(organization: Organization) -> None:
    member = organization.cloudtrail(HOME)

    assert LOCAL_TRAIL not in arns(member)
    assert error_code(member.get_trail_status, Name=LOCAL_TRAIL) == "TrailNotFoundException"
    assert error_code(member.get_event_selectors, TrailName=LOCAL_TRAIL) == "TrailNotFoundException"


def test_an_account_outside_the_organization_sees_nothing(organization: Organization) -> None:
    outsider = organization.cloudtrail(HOME, OUTSIDER)

    assert arns(outsider) == []
    assert error_code(outsider.get_trail_status, Name=ORG_TRAIL) == "TrailNotFoundException"
    assert error_code(outsider.get_event_selectors, TrailName=ORG_TRAIL) == "TrailNotFoundException"


def test_an_account_that_leaves_the_organization_stops_seeing_it(organization: Organization) -> None:
    organizations = organization.emulator.client("organizations")

    organizations.remove_account_from_organization(AccountId=organization.member)

    assert arns(organization.cloudtrail(HOME)) == []


def test_reset_leaves_no_account_in_an_organization(organization: Organization) -> None:
    organization.emulator.reset()
    member = organization.emulator.client("organizations", account_id=organization.member)

    assert error_code(member.describe_organization) == "AWSOrganizationsNotInUseException"
    assert member.create_organization(FeatureSet="ALL")["Organization"]["MasterAccountId"] == (
        organization.member
    )
