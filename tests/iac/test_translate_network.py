"""The network translator judged by the real security-group rules: exact verdicts per group.

Documents are built by hand in the shape the parsers give: Terraform values are a plan's planned
values (a group's `ingress` or `egress` that the configuration does not set is known only after apply:
the AWS provider computes it), CloudFormation values are a resource's `Properties` with intrinsic
functions resolved where they can be.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from cloudwarden.config import Config
from cloudwarden.engine import evaluate
from cloudwarden.findings import Finding, Location, Status, UnknownCause
from cloudwarden.iac import network
from cloudwarden.iac.model import Action, IacDocument, IacResource, Ref, Tool, Unknown
from cloudwarden.iac.translate import Draft, translate
from cloudwarden.rules.base import Rule
from cloudwarden.rules.sg_egress_via_nsm_only import SG_EGRESS_VIA_NSM_ONLY
from cloudwarden.rules.sg_inbound_rules_only import SG_INBOUND_RULES_ONLY
from cloudwarden.rules.sg_minimal_inbound import SG_MINIMAL_INBOUND
from cloudwarden.rules.sg_no_internal_all_ports import SG_NO_INTERNAL_ALL_PORTS
from cloudwarden.snapshot import MALFORMED_VALUE, GroupPair, IpPermission, ScanInfo, Snapshot

PLAN = "plan.json"
TEMPLATE = "template.yaml"
REGION = "eu-west-1"
PASS, FAIL, UNKNOWN = Status.PASS, Status.FAIL, Status.UNKNOWN
RULES = (SG_MINIMAL_INBOUND, SG_NO_INTERNAL_ALL_PORTS, SG_INBOUND_RULES_ONLY, SG_EGRESS_VIA_NSM_ONLY)
MINIMAL, INTERNAL, INBOUND_ONLY, NSM = (rule.id for rule in RULES)


def tf(address: str, kind: str, values: dict[str, Any], action: Action = Action.CREATE) -> IacResource:
    return IacResource(
        address=address, type=kind, values=values, location=Location(file=PLAN), region=REGION, action=action
    )


def tf_group(address: str, ingress: object = None, egress: object = None, **extra: Any) -> IacResource:
    """A group as the parser gives a create plan's: an inline list the configuration does not set is wholly
    unknown in the plan (computed), and the parser leaves it out."""
    action = extra.pop("action", Action.CREATE)
    values: dict[str, Any] = {
        "name": address.rsplit(".", 1)[-1],
        "name_prefix": Unknown(f"{address}.name_prefix"),
        "description": "Managed by Terraform",
        "vpc_id": Ref("aws_vpc.main", "id", f"{address}.vpc_id"),
        "id": Unknown(f"{address}.id"),
        "tags": None,
        "tags_all": {},
    }
    values.update(
        {key: value for key, value in (("ingress", ingress), ("egress", egress)) if value is not None}
    )
    values.update(extra)
    return tf(address, "aws_security_group", values, action)


def inline(protocol: str, low: int, high: int, **peers: Any) -> dict[str, Any]:
    """An inline rule block with every argument a plan writes for it."""
    block: dict[str, Any] = {
        "from_port": low,
        "to_port": high,
        "protocol": protocol,
        "cidr_blocks": [],
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "security_groups": [],
        "self": False,
        "description": "",
    }
    block.update(peers)
    return block


def group_id(address: str, at: str) -> Ref:
    return Ref(address, "id", at)


def tf_rule(
    address: str, group: object, kind: str, protocol: object, low: object, high: object, **peers: Any
) -> IacResource:
    values: dict[str, Any] = {
        "type": kind,
        "security_group_id": group,
        "protocol": protocol,
        "from_port": low,
        "to_port": high,
        "cidr_blocks": None,
        "ipv6_cidr_blocks": None,
        "prefix_list_ids": None,
        "source_security_group_id": None,
        "self": False,
    }
    values.update(peers)
    return tf(address, "aws_security_group_rule", values)


def cfn(logical_id: str, kind: str, properties: dict[str, Any], line: int = 5) -> IacResource:
    return IacResource(
        address=logical_id, type=kind, values=properties, location=Location(file=TEMPLATE, line=line)
    )


def cfn_rule(protocol: object, low: object, high: object, **peers: Any) -> dict[str, Any]:
    return {"IpProtocol": protocol, "FromPort": low, "ToPort": high, **peers}


def judge(
    *resources: IacResource, tool: Tool = Tool.TERRAFORM
) -> tuple[dict[str, dict[str, Finding]], Draft]:
    """Per rule, the findings by group address; and the translation's draft."""
    document = IacDocument(path=PLAN if tool is Tool.TERRAFORM else TEMPLATE, tool=tool, resources=resources)
    account, draft = translate(document)
    snapshot = Snapshot(
        scan=ScanInfo(
            started_at="2026-01-01T00:00:00Z", finished_at="2026-01-01T00:00:01Z", tool_version="t"
        ),
        accounts=(account,),
    )
    report = evaluate(snapshot, Config(), rules=list(RULES))
    findings: dict[str, dict[str, Finding]] = {rule.id: {} for rule in RULES}
    for finding in report.findings:
        assert finding.resource.id not in findings[finding.rule]
        findings[finding.rule][finding.resource.id] = finding
    return findings, draft


def statuses(findings: dict[str, dict[str, Finding]], rule: Rule | str) -> dict[str, Status]:
    rule_id = rule if isinstance(rule, str) else rule.id
    return {resource_id: finding.status for resource_id, finding in findings[rule_id].items()}


WEB = "aws_security_group.web"


def dynamic_warning(address: str, what: str) -> str:
    return (
        f"{address}: its inline {what} is known only after apply and the configuration sets no {what}, and "
        f"no rule resource attaches to it: judged without inline {what} rules, but a dynamic block whose "
        "for_each is known only after apply looks the same and may add rules"
    )


# --- Terraform -------------------------------------------------------------------------------------------


def test_world_open_ssh_fails_and_https_from_the_world_passes_on_the_default_public_ports() -> None:
    findings, draft = judge(
        tf_group(
            WEB, ingress=[inline("tcp", 443, 443, cidr_blocks=["0.0.0.0/0"], ipv6_cidr_blocks=["::/0"])]
        ),
        tf_group("aws_security_group.bastion", ingress=[inline("tcp", 22, 22, cidr_blocks=["0.0.0.0/0"])]),
    )
    assert statuses(findings, MINIMAL) == {WEB: PASS, "aws_security_group.bastion": FAIL}
    assert findings[MINIMAL]["aws_security_group.bastion"].message == (
        "inbound rules too broad: TCP 22 from 0.0.0.0/0 (open to the world on a port that is not public)"
    )
    # The provider removed AWS's default egress; the unset egress is no rule: nothing reaches the internet.
    assert statuses(findings, NSM) == {WEB: PASS, "aws_security_group.bastion": PASS}
    assert statuses(findings, INTERNAL) == {WEB: PASS, "aws_security_group.bastion": PASS}
    assert statuses(findings, INBOUND_ONLY) == {WEB: PASS, "aws_security_group.bastion": PASS}
    group = next(g for g in draft.security_groups if g.id == WEB)
    assert (group.name, group.region, group.egress) == ("web", REGION, ())
    annotation = draft.annotations[("AWS::EC2::SecurityGroup", WEB)]
    assert annotation.attached == []
    assert annotation.assumed == []
    # No rule resource attaches to them: the egress left out may be a dynamic block of unknown for_each.
    assert draft.warnings == [
        dynamic_warning(WEB, "egress"),
        dynamic_warning("aws_security_group.bastion", "egress"),
    ]


def test_a_terraform_group_with_inline_egress_to_the_world_fails_nsm() -> None:
    findings, _ = judge(tf_group(WEB, ingress=[], egress=[inline("-1", 0, 0, cidr_blocks=["0.0.0.0/0"])]))
    assert statuses(findings, NSM) == {WEB: FAIL}


def test_a_source_known_only_after_apply_is_unknown_where_the_world_would_be_too_broad() -> None:
    vpc_cidr = Ref("aws_vpc.main", "cidr_block", "aws_security_group_rule.ssh.cidr_blocks[0]")
    https_cidr = Ref("aws_vpc.main", "cidr_block", "aws_security_group_rule.https.cidr_blocks[0]")
    findings, draft = judge(
        tf_group(WEB),
        tf_group("aws_security_group.lb"),
        tf_rule(
            "aws_security_group_rule.ssh",
            group_id(WEB, "s.security_group_id"),
            "ingress",
            "tcp",
            22,
            22,
            cidr_blocks=[vpc_cidr],
        ),
        tf_rule(
            "aws_security_group_rule.https",
            group_id("aws_security_group.lb", "h.security_group_id"),
            "ingress",
            "tcp",
            443,
            443,
            cidr_blocks=[https_cidr],
        ),
    )
    assert statuses(findings, MINIMAL) == {WEB: UNKNOWN, "aws_security_group.lb": PASS}
    finding = findings[MINIMAL][WEB]
    assert finding.unknown_cause is UnknownCause.KNOWN_AFTER_APPLY
    assert finding.message == (
        "inbound access from sources known only after apply cannot be judged: "
        "aws_security_group_rule.ssh.cidr_blocks[0] is known only after apply"
    )
    assert draft.annotations[("AWS::EC2::SecurityGroup", WEB)].attached == ["aws_security_group_rule.ssh"]


def test_every_port_from_another_group_fails_internal_access_and_links_become_addresses() -> None:
    findings, draft = judge(
        tf_group("aws_security_group.app"),
        tf_group("aws_security_group.lb"),
        tf(
            "aws_vpc_security_group_ingress_rule.from_lb",
            "aws_vpc_security_group_ingress_rule",
            {
                "security_group_id": group_id("aws_security_group.app", "f.security_group_id"),
                "referenced_security_group_id": group_id(
                    "aws_security_group.lb", "f.referenced_security_group_id"
                ),
                "ip_protocol": "-1",
                "from_port": None,
                "to_port": None,
                "cidr_ipv4": None,
                "cidr_ipv6": None,
                "prefix_list_id": None,
            },
        ),
    )
    assert statuses(findings, INTERNAL) == {"aws_security_group.app": FAIL, "aws_security_group.lb": PASS}
    assert findings[INTERNAL]["aws_security_group.app"].message == (
        "inbound access from internal resources on all ports: All traffic from aws_security_group.lb "
        "(every port from a security group)"
    )
    app = next(g for g in draft.security_groups if g.id == "aws_security_group.app")
    assert app.ingress == (
        IpPermission(protocol="-1", groups=(GroupPair(group_id="aws_security_group.lb"),)),
    )


def test_self_is_the_group_itself_and_a_literal_id_of_a_group_of_the_plan_is_its_address() -> None:
    existing = tf_group(
        "aws_security_group.db", ingress=[], egress=[], id="sg-0123456789abcdef0", action=Action.NO_OP
    )
    findings, draft = judge(
        existing,
        tf_group(
            WEB,
            ingress=[inline("-1", 0, 0, self=True)],
            egress=[
                inline("tcp", 5432, 5432, security_groups=["sg-0123456789abcdef0", "sg-0fffffffffffffff0"])
            ],
        ),
    )
    web = next(g for g in draft.security_groups if g.id == WEB)
    assert web.ingress == (IpPermission(protocol="-1", groups=(GroupPair(group_id=WEB),)),)
    assert web.egress[0].groups == (
        GroupPair(group_id="aws_security_group.db"),
        GroupPair(group_id="sg-0fffffffffffffff0"),
    )
    assert statuses(findings, INTERNAL) == {WEB: FAIL, "aws_security_group.db": PASS}
    assert statuses(findings, INBOUND_ONLY) == {WEB: FAIL, "aws_security_group.db": PASS}


def test_unknown_ports_make_the_rule_unknown_to_every_rule_it_could_decide() -> None:
    findings, draft = judge(
        tf_group(WEB),
        tf_rule(
            "aws_security_group_rule.app",
            group_id(WEB, "a.security_group_id"),
            "ingress",
            "tcp",
            Unknown("aws_security_group_rule.app.from_port"),
            Unknown("aws_security_group_rule.app.to_port"),
            cidr_blocks=["10.0.0.0/8"],
        ),
    )
    web = draft.security_groups[0]
    assert web.ingress == (
        IpPermission(
            protocol="tcp",
            unknown_peers=("aws_security_group_rule.app.from_port", "aws_security_group_rule.app.to_port"),
        ),
    )
    assert statuses(findings, MINIMAL) == {WEB: UNKNOWN}
    assert statuses(findings, INTERNAL) == {WEB: UNKNOWN}
    assert statuses(findings, INBOUND_ONLY) == {WEB: PASS}
    assert statuses(findings, NSM) == {WEB: PASS}


def test_an_unknown_protocol_on_an_outbound_rule_is_unknown_where_it_could_govern_access() -> None:
    """All traffic never governs access, but a single ported protocol would: both are kept."""
    findings, _ = judge(
        tf_group(WEB, ingress=[inline("tcp", 443, 443, cidr_blocks=["10.0.0.0/8"])], egress=[]),
        tf_rule(
            "aws_security_group_rule.out",
            group_id(WEB, "o.security_group_id"),
            "egress",
            Unknown("aws_security_group_rule.out.protocol"),
            0,
            0,
            cidr_blocks=["10.0.0.0/8"],
        ),
    )
    assert statuses(findings, INBOUND_ONLY) == {WEB: UNKNOWN}
    assert statuses(findings, NSM) == {WEB: UNKNOWN}
    assert statuses(findings, MINIMAL) == {WEB: PASS}
    assert "aws_security_group_rule.out.protocol is known only after apply" in findings[NSM][WEB].message


def test_a_rule_of_a_group_outside_the_plan_is_a_warning_not_a_finding() -> None:
    findings, draft = judge(
        tf_group(WEB, ingress=[], egress=[]),
        tf_rule(
            "aws_security_group_rule.live",
            "sg-0aaaaaaaaaaaaaaa0",
            "ingress",
            "tcp",
            22,
            22,
            cidr_blocks=["0.0.0.0/0"],
        ),
    )
    assert statuses(findings, MINIMAL) == {WEB: PASS}
    assert draft.warnings == [
        "aws_security_group_rule.live: its group ('sg-0aaaaaaaaaaaaaaa0') is not a security group of "
        "plan.json; not judged (give --snapshot to judge it with the live group)"
    ]


def test_icmp_from_the_world_passes_and_a_deleted_group_is_not_judged() -> None:
    findings, _ = judge(
        tf_group(WEB, ingress=[inline("icmp", 8, 0, cidr_blocks=["0.0.0.0/0"])], egress=[]),
        tf_group(
            "aws_security_group.old",
            ingress=[inline("tcp", 22, 22, cidr_blocks=["0.0.0.0/0"])],
            action=Action.DELETE,
        ),
    )
    assert statuses(findings, MINIMAL) == {WEB: PASS}


@pytest.mark.parametrize(("protocol", "expected"), [("all", "-1"), ("6", "6"), ("TCP", "tcp")])
def test_protocol_names_are_read_as_ec2_takes_them(protocol: str, expected: str) -> None:
    _, draft = judge(
        tf_group(WEB, ingress=[], egress=[]),
        tf_rule(
            "aws_security_group_rule.r",
            group_id(WEB, "r.security_group_id"),
            "ingress",
            protocol,
            0,
            65535,
            cidr_blocks=["10.0.0.0/8"],
        ),
    )
    assert draft.security_groups[0].ingress[0].protocol == expected


# --- CloudFormation -----------------------------------------------------------------------------------------


def test_a_template_group_without_egress_keeps_aws_default_rule_and_fails_nsm() -> None:
    findings, draft = judge(
        cfn(
            "Web",
            "AWS::EC2::SecurityGroup",
            {
                "GroupDescription": "web",
                "SecurityGroupIngress": [cfn_rule("tcp", 443, 443, CidrIp="0.0.0.0/0")],
            },
        ),
        cfn(
            "Private",
            "AWS::EC2::SecurityGroup",
            {
                "GroupDescription": "private",
                "SecurityGroupEgress": [cfn_rule("tcp", "443", "443", CidrIp="10.0.0.0/8")],
            },
        ),
        cfn(
            "Extra",
            "AWS::EC2::SecurityGroupEgress",
            {
                "GroupId": Ref("Web", "GroupId", "Extra.GroupId"),
                "IpProtocol": "tcp",
                "FromPort": 53,
                "ToPort": 53,
                "CidrIp": "10.0.0.2/32",
            },
        ),
        tool=Tool.CLOUDFORMATION,
    )
    assert statuses(findings, NSM) == {"Web": FAIL, "Private": PASS}
    assert findings[NSM]["Web"].message.startswith(
        "outbound internet access outside the NSM proxy: All traffic to 0.0.0.0/0"
    )
    web = draft.annotations[("AWS::EC2::SecurityGroup", "Web")]
    assert web.attached == ["Extra"]
    assert web.assumed == [network.CFN_DEFAULT_EGRESS]
    assert web.location == Location(file=TEMPLATE, line=5)
    assert draft.annotations[("AWS::EC2::SecurityGroup", "Private")].assumed == []
    assert statuses(findings, MINIMAL) == {"Web": PASS, "Private": PASS}
    # Web: inbound 443 with an outbound rule to a private address (UDP 53 style, TCP here): it governs access.
    assert statuses(findings, INBOUND_ONLY) == {"Web": FAIL, "Private": PASS}


def test_template_ingress_resources_attach_by_ref_and_getatt() -> None:
    findings, draft = judge(
        cfn(
            "App",
            "AWS::EC2::SecurityGroup",
            {"GroupDescription": "app", "GroupName": "app-sg", "SecurityGroupEgress": []},
        ),
        cfn("Lb", "AWS::EC2::SecurityGroup", {"GroupDescription": "lb"}),
        cfn(
            "FromLb",
            "AWS::EC2::SecurityGroupIngress",
            {
                "GroupId": Ref("App", None, "FromLb.GroupId"),
                "IpProtocol": "tcp",
                "FromPort": 0,
                "ToPort": 65535,
                "SourceSecurityGroupId": Ref("Lb", "GroupId", "FromLb.SourceSecurityGroupId"),
            },
        ),
        cfn(
            "Ssh",
            "AWS::EC2::SecurityGroupIngress",
            {
                "GroupId": Ref("Lb", "GroupId", "Ssh.GroupId"),
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "CidrIp": Unknown(
                    "Ssh.CidrIp", "known only after apply (parameter AdminCidr has no default)"
                ),
            },
        ),
        tool=Tool.CLOUDFORMATION,
    )
    assert statuses(findings, INTERNAL) == {"App": FAIL, "Lb": PASS}
    assert statuses(findings, MINIMAL) == {"App": PASS, "Lb": UNKNOWN}
    assert findings[MINIMAL]["Lb"].message == (
        "inbound access from sources known only after apply cannot be judged: "
        "Ssh.CidrIp is known only after apply"
    )
    app = next(g for g in draft.security_groups if g.id == "App")
    assert app.name == "app-sg"
    # An empty SecurityGroupEgress names no rule: CloudFormation keeps AWS's default.
    assert app.egress == (network.AWS_DEFAULT_EGRESS,)
    assert draft.annotations[("AWS::EC2::SecurityGroup", "Lb")].attached == ["Ssh"]


def test_a_template_egress_list_left_to_a_condition_is_unknown() -> None:
    findings, _ = judge(
        cfn(
            "Web",
            "AWS::EC2::SecurityGroup",
            {
                "GroupDescription": "web",
                "SecurityGroupIngress": [cfn_rule("tcp", 443, 443, CidrIp="10.0.0.0/8")],
                "SecurityGroupEgress": Unknown(
                    "Web.SecurityGroupEgress", "known only after apply (condition IsProd)"
                ),
            },
        ),
        tool=Tool.CLOUDFORMATION,
    )
    assert statuses(findings, NSM) == {"Web": UNKNOWN}
    assert statuses(findings, INBOUND_ONLY) == {"Web": UNKNOWN}
    assert findings[NSM]["Web"].unknown_cause is UnknownCause.KNOWN_AFTER_APPLY


# --- a rule resource whose group is not determined ----------------------------------------------------------

LB = "aws_security_group.lb"
ANYWHERE = "aws_security_group_rule.anywhere"
LABEL = f"{ANYWHERE} (its group is known only after apply)"


@pytest.mark.parametrize(
    "target",
    [
        pytest.param(Unknown(f"{ANYWHERE}.security_group_id"), id="unknown"),
        pytest.param(Ref(WEB, "arn", f"{ANYWHERE}.security_group_id"), id="link-to-no-group-id"),
        pytest.param(None, id="not-given"),
    ],
)
def test_a_rule_whose_group_is_not_determined_adds_to_every_group_toward_unknown_peers(
    target: object,
) -> None:
    findings, draft = judge(
        tf_group(WEB, ingress=[], egress=[]),
        tf_group(LB, ingress=[], egress=[]),
        tf_rule(ANYWHERE, target, "ingress", "tcp", 22, 22, cidr_blocks=["10.0.0.0/8"]),
    )
    assert statuses(findings, MINIMAL) == {WEB: UNKNOWN, LB: UNKNOWN}
    assert findings[MINIMAL][WEB].message == (
        "inbound access from sources known only after apply cannot be judged: "
        f"{LABEL} is known only after apply"
    )
    for group in draft.security_groups:
        assert group.ingress == (
            IpPermission(protocol="tcp", from_port=22, to_port=22, unknown_peers=(LABEL,), possible=True),
        )
        assert group.egress == ()
    assert draft.warnings == []


def test_a_rule_whose_group_is_not_determined_on_a_public_port_still_passes() -> None:
    """HTTPS from anywhere is allowed on the default public ports: wherever it lands, it passes."""
    findings, _ = judge(
        tf_group(WEB, ingress=[], egress=[]),
        tf_rule(
            ANYWHERE,
            Unknown(f"{ANYWHERE}.security_group_id"),
            "ingress",
            "tcp",
            443,
            443,
            cidr_blocks=["0.0.0.0/0"],
        ),
    )
    assert statuses(findings, MINIMAL) == {WEB: PASS}


def test_a_template_rule_whose_group_is_a_parameter_adds_to_every_group_of_the_template() -> None:
    findings, _ = judge(
        cfn(
            "Web",
            "AWS::EC2::SecurityGroup",
            {
                "GroupDescription": "web",
                "SecurityGroupEgress": [cfn_rule("-1", None, None, CidrIp="10.0.0.0/8")],
            },
        ),
        cfn(
            "Ssh",
            "AWS::EC2::SecurityGroupIngress",
            {
                "GroupId": Unknown("Ssh.GroupId", "known only after apply (parameter Group has no default)"),
                **cfn_rule("tcp", 22, 22, CidrIp="0.0.0.0/0"),
            },
        ),
        tool=Tool.CLOUDFORMATION,
    )
    assert statuses(findings, MINIMAL) == {"Web": UNKNOWN}
    assert "Ssh (its group is known only after apply)" in findings[MINIMAL]["Web"].message


def test_a_rule_on_the_vpcs_default_group_is_a_warning_and_adds_to_no_group() -> None:
    findings, draft = judge(
        tf_group(WEB, ingress=[], egress=[]),
        tf_rule(
            ANYWHERE,
            Ref("aws_vpc.main", "default_security_group_id", f"{ANYWHERE}.security_group_id"),
            "ingress",
            "tcp",
            22,
            22,
            cidr_blocks=["0.0.0.0/0"],
        ),
    )
    assert statuses(findings, MINIMAL) == {WEB: PASS}
    assert draft.warnings == [
        f"{ANYWHERE}: its group (aws_vpc.main.default_security_group_id) is not a security group of "
        "plan.json; not judged (give --snapshot to judge it with the live group)"
    ]


# --- deleted rule resources ------------------------------------------------------------------------------


def test_a_deleted_rule_is_revoked_from_the_state_of_a_group_of_the_plan() -> None:
    """The group exists (no-op): its planned `ingress` is its state, which still lists the rule the plan
    deletes; revoking it leaves HTTPS only."""
    state = [
        inline("tcp", 22, 22, cidr_blocks=["0.0.0.0/0", "10.0.0.0/8"]),
        inline("tcp", 443, 443, cidr_blocks=["0.0.0.0/0"]),
    ]
    before = {
        "type": "ingress",
        "security_group_id": "sg-0123456789abcdef0",
        "protocol": "tcp",
        "from_port": 22,
        "to_port": 22,
        "cidr_blocks": ["0.0.0.0/0"],
        "ipv6_cidr_blocks": None,
        "prefix_list_ids": None,
        "source_security_group_id": None,
        "self": False,
    }
    gone = IacResource(
        address="aws_security_group_rule.ssh",
        type="aws_security_group_rule",
        values=before,
        location=Location(file=PLAN),
        region=REGION,
        action=Action.DELETE,
        before=before,
    )
    group = tf_group(WEB, ingress=state, egress=[], action=Action.NO_OP, id="sg-0123456789abcdef0")
    without, _ = judge(group)
    assert statuses(without, MINIMAL) == {WEB: FAIL}
    findings, draft = judge(group, gone)
    assert statuses(findings, MINIMAL) == {WEB: PASS}
    (record,) = draft.security_groups
    assert record.ingress == (
        IpPermission(protocol="tcp", from_port=22, to_port=22, ipv4_ranges=("10.0.0.0/8",)),
        IpPermission(protocol="tcp", from_port=443, to_port=443, ipv4_ranges=("0.0.0.0/0",)),
    )
    assert "aws_security_group_rule.ssh" in draft.annotations[("AWS::EC2::SecurityGroup", WEB)].attached


# --- rules that may be a group's: never a FAIL on their own -------------------------------------------------

APP = "aws_security_group.app"


def test_a_rule_whose_group_is_not_determined_never_makes_a_group_mix_inbound_and_outbound_rules() -> None:
    """WEB governs access outbound and has no inbound rule of its own: the undetermined rule may be its
    (UNKNOWN), not certainly (no FAIL). APP has both for sure: FAIL. LB has no outbound rule: PASS."""
    governing = [inline("tcp", 5432, 5432, cidr_blocks=["10.0.0.0/8"])]
    findings, draft = judge(
        tf_group(WEB, ingress=[], egress=governing),
        tf_group(APP, ingress=[inline("tcp", 443, 443, cidr_blocks=["10.0.0.0/8"])], egress=governing),
        tf_group(LB, ingress=[], egress=[]),
        tf_rule(
            ANYWHERE,
            Unknown(f"{ANYWHERE}.security_group_id"),
            "ingress",
            "tcp",
            443,
            443,
            cidr_blocks=["10.0.0.0/8"],
        ),
    )
    assert statuses(findings, INBOUND_ONLY) == {WEB: UNKNOWN, APP: FAIL, LB: PASS}
    finding = findings[INBOUND_ONLY][WEB]
    assert finding.unknown_cause is UnknownCause.KNOWN_AFTER_APPLY
    assert finding.message == (
        f"whether it has inbound rules cannot be judged: {LABEL} is known only after apply"
    )
    # HTTPS from a private range is fine wherever it lands.
    assert statuses(findings, MINIMAL) == {WEB: PASS, APP: PASS, LB: PASS}
    assert all(p.possible for g in draft.security_groups for p in g.ingress if p.unknown_peers == (LABEL,))


def test_an_outbound_rule_whose_group_is_not_determined_leaves_inbound_groups_unknown_not_failed() -> None:
    findings, _ = judge(
        tf_group(WEB, ingress=[inline("tcp", 443, 443, cidr_blocks=["10.0.0.0/8"])], egress=[]),
        tf_group(LB, ingress=[], egress=[]),
        tf_rule(
            ANYWHERE,
            Unknown(f"{ANYWHERE}.security_group_id"),
            "egress",
            "tcp",
            5432,
            5432,
            cidr_blocks=["10.0.0.0/8"],
        ),
    )
    assert statuses(findings, INBOUND_ONLY) == {WEB: UNKNOWN, LB: PASS}
    assert statuses(findings, NSM) == {WEB: UNKNOWN, LB: UNKNOWN}


DEFAULT = "aws_default_security_group.main"


def tf_default_group(ingress: object = None, egress: object = None) -> IacResource:
    """An `aws_default_security_group` as a plan adopting it writes it: its id, name and owner computed."""
    values: dict[str, Any] = {
        "vpc_id": "vpc-0a1b2c3d4e5f60718",
        "id": Unknown(f"{DEFAULT}.id"),
        "name": Unknown(f"{DEFAULT}.name"),
        "revoke_rules_on_delete": False,
        "tags": None,
        "tags_all": {},
    }
    values.update(
        {key: value for key, value in (("ingress", ingress), ("egress", egress)) if value is not None}
    )
    return tf(DEFAULT, "aws_default_security_group", values)


def test_the_default_group_terraform_adopts_has_exactly_its_configured_rules_and_is_named_default() -> None:
    findings, draft = judge(
        tf_default_group(ingress=[], egress=[]),
        tf(
            "aws_default_security_group.other",
            "aws_default_security_group",
            {
                "vpc_id": "vpc-0fffffffffffffff0",
                "name": "default",
                "ingress": [inline("tcp", 22, 22, cidr_blocks=["10.0.0.0/8"])],
                "egress": [inline("-1", 0, 0, cidr_blocks=["0.0.0.0/0"])],
            },
        ),
    )
    other = "aws_default_security_group.other"
    assert statuses(findings, INTERNAL) == {DEFAULT: PASS, other: FAIL}
    assert findings[INTERNAL][other].message == (
        "inbound access from internal resources on all ports: TCP 22 from 10.0.0.0/8 "
        "(the default group must have no inbound rule)"
    )
    assert statuses(findings, NSM) == {DEFAULT: PASS, other: FAIL}
    assert statuses(findings, MINIMAL) == {DEFAULT: PASS, other: PASS}
    assert {g.id: g.name for g in draft.security_groups} == {DEFAULT: "default", other: "default"}


def test_a_rule_whose_group_is_not_determined_leaves_the_default_group_unknown_not_failed() -> None:
    findings, _ = judge(
        tf_default_group(ingress=[], egress=[]),
        tf_rule(
            ANYWHERE,
            Unknown(f"{ANYWHERE}.security_group_id"),
            "ingress",
            "tcp",
            443,
            443,
            cidr_blocks=["10.0.0.0/8"],
        ),
    )
    assert statuses(findings, INTERNAL) == {DEFAULT: UNKNOWN}
    assert findings[INTERNAL][DEFAULT].message == (
        f"whether the default group has inbound rules cannot be judged: {LABEL} is known only after apply"
    )
    assert findings[INTERNAL][DEFAULT].unknown_cause is UnknownCause.KNOWN_AFTER_APPLY


def test_rule_resources_attach_to_the_default_group_by_its_id() -> None:
    findings, draft = judge(
        tf_default_group(ingress=[], egress=[]),
        tf_rule(
            "aws_security_group_rule.ssh",
            group_id(DEFAULT, "s.security_group_id"),
            "ingress",
            "tcp",
            22,
            22,
            cidr_blocks=["10.0.0.0/8"],
        ),
    )
    assert statuses(findings, INTERNAL) == {DEFAULT: FAIL}
    assert draft.annotations[("AWS::EC2::SecurityGroup", DEFAULT)].attached == ["aws_security_group_rule.ssh"]


# --- inline rules left out, or left to apply -----------------------------------------------------------


def test_inline_rules_left_out_warn_of_a_dynamic_block_unless_a_rule_resource_attaches() -> None:
    findings, draft = judge(
        tf_group(WEB),
        tf_group(LB),
        tf_default_group(egress=[]),
        tf_rule(
            "aws_security_group_rule.https",
            group_id(LB, "h.security_group_id"),
            "ingress",
            "tcp",
            443,
            443,
            cidr_blocks=["10.0.0.0/8"],
        ),
    )
    assert statuses(findings, MINIMAL) == {WEB: PASS, LB: PASS, DEFAULT: PASS}
    assert statuses(findings, INTERNAL) == {WEB: PASS, LB: PASS, DEFAULT: PASS}
    assert draft.warnings == [dynamic_warning(WEB, "ingress and egress"), dynamic_warning(DEFAULT, "ingress")]


def test_inline_rules_the_configuration_sets_to_a_value_known_only_after_apply_are_unknown() -> None:
    """`ingress = local.rules` over values known only after apply: the parser gives an `Unknown`."""
    findings, draft = judge(tf_group(WEB, ingress=Unknown(f"{WEB}.ingress"), egress=[]))
    assert statuses(findings, MINIMAL) == {WEB: UNKNOWN}
    assert statuses(findings, INTERNAL) == {WEB: UNKNOWN}
    assert findings[MINIMAL][WEB].message == (
        f"inbound access from sources known only after apply cannot be judged: {WEB}.ingress is known only "
        "after apply"
    )
    assert draft.warnings == []


# --- malformed values ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "named"),
    [
        pytest.param(
            cfn_rule("tcp", "abc", 22, CidrIp="0.0.0.0/0"),
            "Web.SecurityGroupIngress[0].FromPort ('abc')",
            id="port-text",
        ),
        pytest.param(
            cfn_rule("tcp", float("nan"), 22, CidrIp="0.0.0.0/0"),
            "Web.SecurityGroupIngress[0].FromPort ('nan')",
            id="port-nan",
        ),
        pytest.param(
            cfn_rule("tcp", date(2022, 1, 1), 22, CidrIp="0.0.0.0/0"),
            "Web.SecurityGroupIngress[0].FromPort ('2022-01-01')",
            id="port-date",
        ),
        pytest.param(
            cfn_rule("tcp", 99999999999999999999999, 22, CidrIp="0.0.0.0/0"),
            "Web.SecurityGroupIngress[0].FromPort ('99999999999999999999999')",
            id="port-huge",
        ),
        pytest.param(
            cfn_rule("tcp", 22, "65536", CidrIp="0.0.0.0/0"),
            "Web.SecurityGroupIngress[0].ToPort ('65536')",
            id="port-above",
        ),
        pytest.param(
            cfn_rule("tcp", -2, 22, CidrIp="0.0.0.0/0"),
            "Web.SecurityGroupIngress[0].FromPort ('-2')",
            id="port-below",
        ),
        pytest.param(
            cfn_rule("tcp", True, 22, CidrIp="0.0.0.0/0"),
            "Web.SecurityGroupIngress[0].FromPort ('True')",
            id="port-boolean",
        ),
        pytest.param(
            cfn_rule("tcp", 22, 22, CidrIp="not-a-cidr"),
            "Web.SecurityGroupIngress[0].CidrIp ('not-a-cidr')",
            id="cidr-text",
        ),
        pytest.param(
            cfn_rule("tcp", 22, 22, CidrIp="::/0"),
            "Web.SecurityGroupIngress[0].CidrIp ('::/0')",
            id="cidr-of-ipv6",
        ),
        pytest.param(
            cfn_rule("tcp", 22, 22, CidrIp=7),
            "Web.SecurityGroupIngress[0].CidrIp ('7')",
            id="cidr-number",
        ),
        pytest.param(
            cfn_rule(300, None, None, CidrIp="0.0.0.0/0"),
            "Web.SecurityGroupIngress[0].IpProtocol ('300')",
            id="protocol-number",
        ),
        pytest.param(
            cfn_rule({"a": 1}, None, None, CidrIp="0.0.0.0/0"),
            "Web.SecurityGroupIngress[0].IpProtocol (\"{'a': 1}\")",
            id="protocol-mapping",
        ),
        pytest.param(["tcp"], "Web.SecurityGroupIngress[0] (\"['tcp']\")", id="rule-list"),
    ],
)
def test_a_malformed_rule_is_unknown_as_a_rule_error_never_a_fail(rule: object, named: str) -> None:
    findings, _ = judge(
        cfn(
            "Web",
            "AWS::EC2::SecurityGroup",
            {
                "GroupDescription": "web",
                "SecurityGroupIngress": [rule],
                "SecurityGroupEgress": [cfn_rule("-1", None, None, CidrIp="10.0.0.0/8")],
            },
        ),
        tool=Tool.CLOUDFORMATION,
    )
    assert statuses(findings, MINIMAL) == {"Web": UNKNOWN}
    finding = findings[MINIMAL]["Web"]
    assert finding.unknown_cause is UnknownCause.RULE_ERROR
    assert finding.message == f"inbound access from malformed rules cannot be judged: {named} is malformed"
    assert finding.evidence["malformed"] == [named]
    assert statuses(findings, NSM) == {"Web": PASS}


def test_rules_given_as_a_mapping_are_malformed_and_a_known_rule_beside_one_still_fails() -> None:
    findings, _ = judge(
        cfn(
            "Web",
            "AWS::EC2::SecurityGroup",
            {"GroupDescription": "web", "SecurityGroupIngress": {"IpProtocol": "tcp"}},
        ),
        cfn(
            "Db",
            "AWS::EC2::SecurityGroup",
            {
                "GroupDescription": "db",
                "SecurityGroupIngress": [
                    cfn_rule("tcp", 22, 22, CidrIp="0.0.0.0/0"),
                    cfn_rule("tcp", "x", 22, CidrIp="10.0.0.0/8"),
                ],
            },
        ),
        tool=Tool.CLOUDFORMATION,
    )
    assert statuses(findings, MINIMAL) == {"Web": UNKNOWN, "Db": FAIL}
    assert findings[MINIMAL]["Web"].unknown_cause is UnknownCause.RULE_ERROR
    assert findings[MINIMAL]["Web"].message == (
        "inbound access from malformed rules cannot be judged: Web.SecurityGroupIngress "
        "(\"{'IpProtocol': 'tcp'} is not a list\") is malformed"
    )
    assert findings[MINIMAL]["Db"].message == (
        "inbound rules too broad: TCP 22 from 0.0.0.0/0 (open to the world on a port that is not public); "
        "rules toward unknown peers may allow more: Db.SecurityGroupIngress[1].FromPort ('x') is malformed"
    )
    assert statuses(findings, INTERNAL) == {"Web": UNKNOWN, "Db": UNKNOWN}
    assert findings[INTERNAL]["Db"].unknown_cause is UnknownCause.RULE_ERROR


def test_a_terraform_cidr_block_that_is_no_cidr_is_malformed_and_one_left_to_apply_is_not() -> None:
    findings, _ = judge(
        tf_group(WEB, ingress=[inline("tcp", 22, 22, cidr_blocks=["0.0.0.0/0x"])], egress=[]),
        tf_group(
            LB,
            ingress=[inline("tcp", 22, 22, cidr_blocks=[Unknown(f"{LB}.ingress[0].cidr_blocks[0]")])],
            egress=[],
        ),
        tf_group(
            APP,
            ingress=[inline("tcp", 22, 22, cidr_blocks=[Unknown(f"{APP}.x", "bad", MALFORMED_VALUE)])],
            egress=[],
        ),
    )
    assert statuses(findings, MINIMAL) == {WEB: UNKNOWN, LB: UNKNOWN, APP: UNKNOWN}
    causes = {address: f.unknown_cause for address, f in findings[MINIMAL].items()}
    assert causes == {
        WEB: UnknownCause.RULE_ERROR,
        LB: UnknownCause.KNOWN_AFTER_APPLY,
        APP: UnknownCause.RULE_ERROR,
    }
    assert findings[MINIMAL][APP].message.endswith(f": {APP}.x (bad) is malformed")


# --- a literal GroupName ----------------------------------------------------------------------------------


def test_a_template_rule_naming_its_group_by_a_literal_name_is_a_literal_group_not_every_groups() -> None:
    findings, draft = judge(
        cfn(
            "Web",
            "AWS::EC2::SecurityGroup",
            {
                "GroupDescription": "web",
                "VpcId": "vpc-1",
                "SecurityGroupEgress": [cfn_rule("tcp", 443, 443, CidrIp="10.0.0.0/8")],
            },
        ),
        cfn(
            "Classic", "AWS::EC2::SecurityGroup", {"GroupDescription": "classic", "GroupName": "classic-web"}
        ),
        cfn(
            "Legacy",
            "AWS::EC2::SecurityGroupIngress",
            {"GroupName": "legacy", **cfn_rule("tcp", 22, 22, CidrIp="0.0.0.0/0")},
        ),
        cfn(
            "Mine",
            "AWS::EC2::SecurityGroupIngress",
            {"GroupName": "classic-web", **cfn_rule("tcp", 22, 22, CidrIp="0.0.0.0/0")},
        ),
        tool=Tool.CLOUDFORMATION,
    )
    assert statuses(findings, INBOUND_ONLY) == {"Web": PASS, "Classic": PASS}
    assert statuses(findings, MINIMAL) == {"Web": PASS, "Classic": FAIL}
    assert draft.annotations[("AWS::EC2::SecurityGroup", "Classic")].attached == ["Mine"]
    assert draft.warnings == [
        "Legacy: its group (GroupName 'legacy') is not a security group of template.yaml; not judged "
        "(give --snapshot to judge it with the live group)"
    ]


def test_a_fail_beside_prefix_lists_only_keeps_the_live_words_and_beside_other_peers_the_new_ones() -> None:
    ssh = inline("tcp", 22, 22, cidr_blocks=["0.0.0.0/0"])
    listed = inline("tcp", 3389, 3389, prefix_list_ids=["pl-0123456789abcdef0"])
    later = inline("tcp", 3306, 3306, cidr_blocks=[Unknown(f"{LB}.ingress[2].cidr_blocks[0]")])
    findings, _ = judge(
        tf_group(WEB, ingress=[ssh, listed], egress=[]),
        tf_group(LB, ingress=[ssh, listed, later], egress=[]),
    )
    assert statuses(findings, MINIMAL) == {WEB: FAIL, LB: FAIL}
    assert (
        "; rules from prefix lists whose entries are unknown may allow more: "
        in findings[MINIMAL][WEB].message
    )
    assert "; rules toward unknown peers may allow more: " in findings[MINIMAL][LB].message
    assert findings[MINIMAL][LB].message.endswith(f"{LB}.ingress[2].cidr_blocks[0] is known only after apply")
