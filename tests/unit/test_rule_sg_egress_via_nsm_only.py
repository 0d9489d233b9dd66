"""sg-egress-via-nsm-only on hand-built snapshots: only the internet egress groups (designated by id
or tag) reach the internet; an outbound rule toward a prefix list is judged entry by entry, and one
toward a list of unknown entries is UNKNOWN unless another rule fails the group already.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from cloudwarden.findings import Severity, Status
from cloudwarden.rules.sg_egress_via_nsm_only import SG_EGRESS_VIA_NSM_ONLY
from cloudwarden.snapshot import (
    IpPermission,
)

from .builders import (
    ALL_TRAFFIC_TO_INTERNET,
    outcomes,
    own_interface,
    permission,
    security_group,
    severity_of,
    sg_context,
)
from .security_group_builders import (
    APP,
    DB,
    EMPTY_PREFIX_LIST,
    GARBAGE_PREFIX_LIST,
    KNOWN_LISTS,
    NO_EGRESS,
    NSM,
    OFFICE_PREFIX_LIST,
    OFFICE_RANGES,
    OPEN_PREFIX_LIST,
    OPEN_V6_PREFIX_LIST,
    POSTGRES_TO_DB,
    PRIVATE_PREFIX_LIST,
    UNREAD_ERRORS,
    UNREAD_LISTS,
    UNREAD_PREFIX_LIST,
    UNREAD_REASON,
    WEB,
    check,
    only,
    verdict_for,
)


@pytest.mark.parametrize(
    ("egress", "shown", "revoking"),
    [
        pytest.param(
            ALL_TRAFFIC_TO_INTERNET,
            "All traffic to 0.0.0.0/0",
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            id="aws-default-outbound-rule",
        ),
        pytest.param(
            permission("-1", None, "::/0"),
            "All traffic to ::/0",
            {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
            id="all-traffic-to-ipv6-world",
        ),
        pytest.param(
            permission("tcp", 443, "0.0.0.0/0"),
            "TCP 443 to 0.0.0.0/0",
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            id="https-to-the-world",
        ),
        pytest.param(
            permission("tcp", 443, "8.8.8.8/32"),
            "TCP 443 to 8.8.8.8/32",
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "8.8.8.8/32"}]},
            id="https-to-one-public-address",
        ),
        pytest.param(
            permission("udp", 53, "2606:4700:4700::1111/128"),
            "UDP 53 to 2606:4700:4700::1111/128",
            {
                "IpProtocol": "udp",
                "FromPort": 53,
                "ToPort": 53,
                "Ipv6Ranges": [{"CidrIpv6": "2606:4700:4700::1111/128"}],
            },
            id="dns-to-a-public-ipv6-address",
        ),
    ],
)
def test_outbound_rule_to_the_internet_fails_medium(
    egress: IpPermission, shown: str, revoking: dict[str, Any]
) -> None:
    group = security_group(APP, "app", egress=[permission("tcp", 5432, DB), egress])
    verdicts = check(SG_EGRESS_VIA_NSM_ONLY, group)
    assert outcomes(verdicts) == {(Status.FAIL, APP)}
    verdict = only(verdicts)
    assert severity_of(SG_EGRESS_VIA_NSM_ONLY, verdict) is Severity.MEDIUM
    assert verdict.message == (
        f"outbound internet access outside the NSM proxy: {shown} "
        "(no security_groups.internet_egress_groups configured)"
    )
    assert verdict.evidence["offending_rules"] == [
        {"rule": shown, "why": "reaches the internet directly", "permission": revoking}
    ]
    assert verdict.remediation is not None
    assert verdict.remediation.startswith(f"In {APP} (app), delete {shown} ")
    assert "NSM proxy's group" in verdict.remediation


@pytest.mark.parametrize(
    "egress",
    [
        pytest.param(NO_EGRESS, id="no-outbound-rule"),
        pytest.param([permission("-1", None, "10.0.0.0/8")], id="all-traffic-to-private-space"),
        pytest.param([permission("-1", None, "fd00::/8")], id="all-traffic-to-ipv6-unique-local"),
        pytest.param([permission("-1", None, "100.64.0.0/10")], id="all-traffic-to-shared-address-space"),
        pytest.param([permission("tcp", 443, "203.0.113.0/24")], id="https-to-documentation-range"),
        pytest.param([permission("tcp", 3128, NSM)], id="proxy-port-to-the-nsm-group"),
        pytest.param(
            [permission("tcp", 443, PRIVATE_PREFIX_LIST)], id="https-to-a-prefix-list-of-private-ranges"
        ),
        pytest.param([permission("-1", None, EMPTY_PREFIX_LIST)], id="all-traffic-to-an-empty-prefix-list"),
    ],
)
def test_outbound_rules_only_to_private_space_groups_or_prefix_lists_of_private_ranges_pass(
    egress: Sequence[IpPermission],
) -> None:
    verdicts = check(
        SG_EGRESS_VIA_NSM_ONLY, security_group(APP, "app", egress=egress), prefix_lists=KNOWN_LISTS
    )
    assert outcomes(verdicts) == {(Status.PASS, APP)}
    assert only(verdicts).message == "no outbound rule reaches the internet"


def test_every_outbound_internet_rule_is_named_in_evidence_and_remediation() -> None:
    internet = [
        ALL_TRAFFIC_TO_INTERNET,
        permission("-1", None, "::/0"),
        permission("tcp", 443, "8.8.8.8/32"),
        permission("udp", 123, "8.8.4.4/32"),
    ]
    group = security_group(APP, "app", egress=[*internet, permission("tcp", 5432, DB)])
    verdict = only(check(SG_EGRESS_VIA_NSM_ONLY, group))
    shown = [
        "All traffic to 0.0.0.0/0",
        "All traffic to ::/0",
        "TCP 443 to 8.8.8.8/32",
        "UDP 123 to 8.8.4.4/32",
    ]
    assert [item["rule"] for item in verdict.evidence["offending_rules"]] == shown
    assert [item["permission"] for item in verdict.evidence["offending_rules"]] == [
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "8.8.8.8/32"}]},
        {"IpProtocol": "udp", "FromPort": 123, "ToPort": 123, "IpRanges": [{"CidrIp": "8.8.4.4/32"}]},
    ]
    assert verdict.remediation is not None
    assert verdict.remediation.startswith(f"In {APP} (app), delete {'; '.join(shown)} ")
    assert "5432" not in verdict.remediation


def test_internet_egress_groups_designated_by_id_or_tag_may_reach_the_internet() -> None:
    nsm = security_group(NSM, "nsm-proxy")
    tagged = security_group(WEB, "nat", tags={"Role": "nsm-proxy"})
    other_tag = security_group(DB, "db", tags={"Role": "nsm"})
    plain = security_group(APP, "app", egress=[permission("tcp", 443, "0.0.0.0/0")])
    verdicts = check(
        SG_EGRESS_VIA_NSM_ONLY,
        nsm,
        tagged,
        other_tag,
        plain,
        rule_context=sg_context(internet_egress_groups=[NSM, "tag:Role=nsm-proxy"]),
    )
    assert outcomes(verdicts) == {
        (Status.PASS, NSM),
        (Status.PASS, WEB),
        (Status.FAIL, DB),
        (Status.FAIL, APP),
    }
    assert verdict_for(verdicts, NSM).message == (
        "designated internet egress group (security_groups.internet_egress_groups)"
    )
    assert verdict_for(verdicts, APP).message == (
        "outbound internet access outside the NSM proxy: TCP 443 to 0.0.0.0/0"
    )
    assert {verdict.resource.id: verdict.evidence["internet_egress_group"] for verdict in verdicts} == {
        NSM: True,
        WEB: True,
        DB: False,
        APP: False,
    }


def test_unattached_group_reaching_the_internet_fails_one_level_lower() -> None:
    used = security_group(APP, "app")
    unused = security_group(WEB, "unused")
    verdicts = check(SG_EGRESS_VIA_NSM_ONLY, used, unused, interfaces=[own_interface(used)])
    assert outcomes(verdicts) == {(Status.FAIL, APP), (Status.FAIL, WEB)}
    assert severity_of(SG_EGRESS_VIA_NSM_ONLY, verdict_for(verdicts, APP)) is Severity.MEDIUM
    assert severity_of(SG_EGRESS_VIA_NSM_ONLY, verdict_for(verdicts, WEB)) is Severity.LOW


# --- prefix lists -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("egress", "shown"),
    [
        pytest.param(
            permission("tcp", 443, OPEN_PREFIX_LIST),
            [f"TCP 443 to 0.0.0.0/0 (in prefix list {OPEN_PREFIX_LIST})"],
            id="list-holding-0.0.0.0/0",
        ),
        pytest.param(
            permission("-1", None, OPEN_V6_PREFIX_LIST),
            [f"All traffic to ::/0 (in prefix list {OPEN_V6_PREFIX_LIST})"],
            id="list-holding-::/0",
        ),
        pytest.param(
            permission("tcp", 443, OFFICE_PREFIX_LIST),
            [f"TCP 443 to {cidr} (in prefix list {OFFICE_PREFIX_LIST})" for cidr in OFFICE_RANGES],
            id="list-of-narrow-public-ranges",
        ),
        pytest.param(
            permission("udp", 53, GARBAGE_PREFIX_LIST),
            [f"UDP 53 to not-a-cidr (in prefix list {GARBAGE_PREFIX_LIST})"],
            id="list-whose-entry-is-not-a-cidr",
        ),
    ],
)
def test_outbound_rule_to_a_prefix_list_entry_in_internet_space_fails(
    egress: IpPermission, shown: list[str]
) -> None:
    group = security_group(APP, "app", egress=[POSTGRES_TO_DB, egress])
    verdicts = check(SG_EGRESS_VIA_NSM_ONLY, group, prefix_lists=KNOWN_LISTS)
    assert outcomes(verdicts) == {(Status.FAIL, APP)}
    verdict = only(verdicts)
    assert severity_of(SG_EGRESS_VIA_NSM_ONLY, verdict) is Severity.MEDIUM
    # No permission revokes the rule of one entry: revoking the list's reference revokes every entry.
    assert verdict.evidence["offending_rules"] == [
        {"rule": text, "why": "reaches the internet directly", "permission": None} for text in shown
    ]
    assert verdict.message.startswith(f"outbound internet access outside the NSM proxy: {shown[0]}")


def test_outbound_rule_to_a_prefix_list_of_unknown_entries_is_unknown() -> None:
    group = security_group(
        APP, "app", egress=[POSTGRES_TO_DB, permission("tcp", 443, PRIVATE_PREFIX_LIST, UNREAD_PREFIX_LIST)]
    )
    verdicts = check(
        SG_EGRESS_VIA_NSM_ONLY, group, prefix_lists=[*KNOWN_LISTS, *UNREAD_LISTS], errors=UNREAD_ERRORS
    )
    assert outcomes(verdicts) == {(Status.UNKNOWN, APP)}
    verdict = only(verdicts)
    assert (
        verdict.message == f"whether its outbound rules reach the internet cannot be judged: {UNREAD_REASON}"
    )
    assert verdict.evidence["unknown_prefix_lists"] == [UNREAD_PREFIX_LIST]
    assert verdict.evidence["rules"] == [f"TCP 443 to prefix list {UNREAD_PREFIX_LIST} (entries unknown)"]


def test_outbound_internet_rule_fails_even_beside_a_prefix_list_of_unknown_entries() -> None:
    group = security_group(
        APP, "app", egress=[permission("tcp", 443, UNREAD_PREFIX_LIST), ALL_TRAFFIC_TO_INTERNET]
    )
    verdicts = check(SG_EGRESS_VIA_NSM_ONLY, group, prefix_lists=UNREAD_LISTS, errors=UNREAD_ERRORS)
    assert outcomes(verdicts) == {(Status.FAIL, APP)}
    assert only(verdicts).evidence["offending_rules"] == [
        {
            "rule": "All traffic to 0.0.0.0/0",
            "why": "reaches the internet directly",
            "permission": {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        }
    ]


def test_internet_egress_group_toward_a_prefix_list_of_unknown_entries_passes() -> None:
    nsm = security_group(NSM, "nsm-proxy", egress=[permission("tcp", 443, UNREAD_PREFIX_LIST)])
    plain = security_group(APP, "app", egress=[permission("tcp", 443, UNREAD_PREFIX_LIST)])
    verdicts = check(
        SG_EGRESS_VIA_NSM_ONLY,
        nsm,
        plain,
        prefix_lists=UNREAD_LISTS,
        errors=UNREAD_ERRORS,
        rule_context=sg_context(internet_egress_groups=[NSM]),
    )
    assert outcomes(verdicts) == {(Status.PASS, NSM), (Status.UNKNOWN, APP)}
