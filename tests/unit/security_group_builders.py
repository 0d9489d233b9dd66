"""Groups, prefix lists and helpers shared by the security-group rules' tests (`test_rule_sg_*`)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from cloudwarden.rules.base import Rule, RuleContext, Verdict
from cloudwarden.snapshot import (
    AccountSnapshot,
    ApiError,
    IpPermission,
    NetworkInterface,
    PrefixList,
    SecurityGroup,
)

from .builders import (
    ACCOUNT_ID,
    HOME_REGION,
    SECOND_REGION,
    VPC_CIDR,
    ec2_account,
    ec2_api_error,
    outcomes,
    permission,
    run,
    sg_context,
)

WEB = "sg-0c1a2b3d4e5f60101"
APP = "sg-0c1a2b3d4e5f60202"
DB = "sg-0c1a2b3d4e5f60303"
NSM = "sg-0c1a2b3d4e5f60404"
DEFAULT = "sg-0c1a2b3d4e5f60505"
OUTBOUND = "sg-0c1a2b3d4e5f60606"
EU_WEB = "sg-0c1a2b3d4e5f60707"
"""A group in the second scanned region."""
CLIENTS = "sg-0c1a2b3d4e5f60808"
SHARED_ENI = "eni-07e1a2b3c4d5e6f70"
"""An interface carrying several groups."""
ADMIN_RANGE = "8.8.8.0/24"
"""A specific public range (an office's): internet, but not world-open."""
US_UNKNOWN = f"{ACCOUNT_ID}/{HOME_REGION}"
EU_UNKNOWN = f"{ACCOUNT_ID}/{SECOND_REGION}"

SSH_FROM_WORLD = permission("tcp", 22, "0.0.0.0/0")
HTTPS_FROM_WORLD = permission("tcp", 443, "0.0.0.0/0", "::/0")
HTTPS_FROM_VPC = permission("tcp", 443, "10.20.0.0/16")
POSTGRES_TO_DB = permission("tcp", 5432, DB)
NO_EGRESS: Sequence[IpPermission] = ()


def prefix_list(
    list_id: str,
    entries: Sequence[str] | None,
    *,
    region: str = HOME_REGION,
    name: str | None = None,
    owner_id: str = ACCOUNT_ID,
) -> PrefixList:
    """A managed prefix list as collected: its CIDRs, or None when they could not be read."""
    return PrefixList(
        id=list_id,
        region=region,
        name=name or f"list-{list_id[-4:]}",
        owner_id=owner_id,
        entries=None if entries is None else tuple(entries),
    )


def entries_error(list_id: str, region: str = HOME_REGION) -> ApiError:
    """GetManagedPrefixListEntries failed for `list_id` in `region`."""
    return msgspec.structs.replace(ec2_api_error("GetManagedPrefixListEntries", region), resource=list_id)


S3_PREFIX_LIST = "pl-63a5400a"
"""AWS's list for S3 in us-east-1 (com.amazonaws.us-east-1.s3): public AWS ranges."""
VPC_PREFIX_LIST = "pl-0c1a2b3d4e5f6a101"
"""A customer list of one private range: the VPC's."""
OFFICE_PREFIX_LIST = "pl-0c1a2b3d4e5f6a202"
"""A customer list of office ranges: public, but none world-open."""
PRIVATE_PREFIX_LIST = "pl-0c1a2b3d4e5f6a303"
"""A customer list of private ranges, IPv4 and IPv6."""
OPEN_PREFIX_LIST = "pl-0c1a2b3d4e5f6a404"
"""A customer list that someone extended with 0.0.0.0/0."""
OPEN_V6_PREFIX_LIST = "pl-0c1a2b3d4e5f6a505"
"""A customer list that someone extended with ::/0."""
WORLD_PREFIX_LIST = "pl-0c1a2b3d4e5f6a0a0"
"""A customer list of nothing but 0.0.0.0/0 and ::/0 (an "anywhere" list)."""
EMPTY_PREFIX_LIST = "pl-0c1a2b3d4e5f6a606"
GARBAGE_PREFIX_LIST = "pl-0c1a2b3d4e5f6a707"
"""A list whose one entry is not a CIDR."""
UNREAD_PREFIX_LIST = "pl-0c1a2b3d4e5f6a808"
"""A list whose record was read but whose entries could not be (see `entries_error`)."""
OTHER_UNREAD_PREFIX_LIST = "pl-0c1a2b3d4e5f6a909"
MISSING_PREFIX_LIST = "pl-0c1a2b3d4e5f6aaaa"
"""A list that rules name but that has no record in the snapshot."""

S3_RANGES = ("3.5.0.0/19", "16.15.176.0/20", "52.216.0.0/15", "54.231.0.0/16")
OFFICE_RANGES = (ADMIN_RANGE, "8.8.4.0/24", "2a00:1450:4001::/48")
PRIVATE_RANGES = (VPC_CIDR, "192.168.0.0/16", "fd00:20::/56")

KNOWN_LISTS = (
    prefix_list(S3_PREFIX_LIST, S3_RANGES, name="com.amazonaws.us-east-1.s3", owner_id="AWS"),
    prefix_list(VPC_PREFIX_LIST, (VPC_CIDR,)),
    prefix_list(OFFICE_PREFIX_LIST, OFFICE_RANGES),
    prefix_list(PRIVATE_PREFIX_LIST, PRIVATE_RANGES),
    prefix_list(OPEN_PREFIX_LIST, (VPC_CIDR, "0.0.0.0/0")),
    prefix_list(OPEN_V6_PREFIX_LIST, ("fd00:20::/56", "::/0")),
    prefix_list(WORLD_PREFIX_LIST, ("0.0.0.0/0", "::/0")),
    prefix_list(EMPTY_PREFIX_LIST, ()),
    prefix_list(GARBAGE_PREFIX_LIST, ("not-a-cidr",)),
)
"""The lists of the home region whose entries were read."""
UNREAD_LISTS = (
    prefix_list(UNREAD_PREFIX_LIST, None),
    prefix_list(OTHER_UNREAD_PREFIX_LIST, None),
)
UNREAD_ERRORS = (entries_error(UNREAD_PREFIX_LIST), entries_error(OTHER_UNREAD_PREFIX_LIST))
UNREAD_REASON = (
    f"the entries of prefix list {UNREAD_PREFIX_LIST} could not be read: ec2:GetManagedPrefixListEntries "
    f"for {UNREAD_PREFIX_LIST} in {HOME_REGION} failed: UnauthorizedOperation: "
    "You are not authorized to perform this operation."
)
"""Why the entries of UNREAD_PREFIX_LIST are unknown, in the words of an UNKNOWN verdict."""


def check(
    rule: Rule,
    *groups: SecurityGroup,
    interfaces: Sequence[NetworkInterface] | None = None,
    errors: Sequence[ApiError] = (),
    rule_context: RuleContext | None = None,
    prefix_lists: Sequence[PrefixList] = (),
) -> list[Verdict]:
    """The rule's verdicts on an account holding `groups` (each on an interface of its own unless
    `interfaces` says otherwise) and the records of `prefix_lists`; never two verdicts for one resource."""
    target = with_prefix_lists(ec2_account(*groups, interfaces=interfaces, errors=errors), *prefix_lists)
    verdicts = run(rule, target, rule_context or sg_context())
    assert len(verdicts) == len(outcomes(verdicts)), verdicts
    return verdicts


def with_prefix_lists(target: AccountSnapshot, *prefix_lists: PrefixList) -> AccountSnapshot:
    """`target` whose network data holds the records of `prefix_lists` (and no other list)."""
    assert target.ec2 is not None
    return msgspec.structs.replace(
        target, ec2=msgspec.structs.replace(target.ec2, prefix_lists=tuple(prefix_lists))
    )


def verdict_for(verdicts: Sequence[Verdict], resource_id: str) -> Verdict:
    (found,) = [verdict for verdict in verdicts if verdict.resource.id == resource_id]
    return found


def only(verdicts: Sequence[Verdict]) -> Verdict:
    assert len(verdicts) == 1, verdicts
    return verdicts[0]
