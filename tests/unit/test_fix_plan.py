"""The planner: which findings of a report become changes, which manual steps, which are left out and
why; revocations of one group merged, and never of rules that findings left out on purpose name. The
fixers are small ones built here (real Remedy values from the finding's evidence), so these tests do
not depend on the rules' own fixers, except where the real rules' evidence is what is tested."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from cloudwarden.config import Config, S3Config, SecurityGroupsConfig, SuppressionConfig
from cloudwarden.engine import evaluate
from cloudwarden.findings import (
    Finding,
    Location,
    Report,
    Resource,
    ScanSummary,
    Severity,
    Status,
    Suppression,
    ToolInfo,
    UnknownCause,
    finding_id,
)
from cloudwarden.fix.plan import Change, ManualStep, Plan, Selection, plan_fixes
from cloudwarden.remedy import Call, Fixer, Proposal, Remedy, State
from cloudwarden.rules import RULES_BY_ID
from cloudwarden.rules.sg_minimal_inbound import SG_MINIMAL_INBOUND
from cloudwarden.rules.sg_no_internal_all_ports import SG_NO_INTERNAL_ALL_PORTS
from cloudwarden.snapshot import SecurityGroup

from .builders import default_group, ec2_account, permission, snapshot
from .security_group_builders import DEFAULT

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
REGION = "eu-west-1"
TODAY = dt.date(2025, 6, 15)
SCANNED_AT = "2025-06-15T12:00:00+00:00"
GROUP = "sg-0123456789abcdef0"
OTHER_GROUP = "sg-0fedcba9876543210"

S3_RULE = "s3-no-public-access"
INBOUND_RULE = "sg-minimal-inbound"
ALL_PORTS_RULE = "sg-no-internal-all-ports"
EGRESS_RULE = "sg-egress-via-nsm-only"
IAM_RULE = "iam-user-mfa"
RECORD_RULE = "route53-no-dangling-records"

BUCKET_TYPE = "AWS::S3::Bucket"
GROUP_TYPE = "AWS::EC2::SecurityGroup"
USER_TYPE = "AWS::IAM::User"

SSH_WORLD = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
ALL_WORLD = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
ALL_INTERNAL = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
PUBLIC_STATEMENT = {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}


def _s3(operation: str, **parameters: Any) -> Call:
    return Call(service="s3", operation=operation, parameters=parameters)


def _ec2(operation: str, **parameters: Any) -> Call:
    return Call(service="ec2", operation=operation, parameters=parameters)


def delete_policy(bucket: str) -> Remedy:
    return Remedy(
        action="remove-public-policy-statements",
        summary=f"Delete the policy of {bucket}.",
        state=State.BUCKET_POLICY,
        read=_s3("GetBucketPolicy", Bucket=bucket),
        before={"policy": {"Statement": [PUBLIC_STATEMENT]}},
        after={"policy": None},
        calls=(_s3("DeleteBucketPolicy", Bucket=bucket),),
        rollback=(_s3("PutBucketPolicy", Bucket=bucket, Policy='{"Statement": []}'),),
    )


def block_public_access(bucket: str) -> Remedy:
    on = {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    return Remedy(
        action="block-public-access",
        summary=f"Block public access to {bucket}.",
        state=State.BUCKET_PUBLIC_ACCESS_BLOCK,
        read=_s3("GetPublicAccessBlock", Bucket=bucket),
        before={"configuration": None},
        after={"configuration": on},
        calls=(_s3("PutPublicAccessBlock", Bucket=bucket, PublicAccessBlockConfiguration=on),),
        rollback=(_s3("DeletePublicAccessBlock", Bucket=bucket),),
    )


def _propose_bucket(finding: Finding) -> Proposal:
    """Deletes the policy; a second, conflicting policy change when the evidence asks for one."""
    bucket = finding.resource.id
    remedies = [delete_policy(bucket)]
    if finding.evidence.get("twice"):
        remedies.append(msgspec.structs.replace(remedies[0], summary=f"Delete the policy of {bucket} again."))
    return Proposal(remedies=tuple(remedies), alternatives=(block_public_access(bucket),))


def revocation(direction: str, group: str, permissions: list[dict[str, Any]]) -> Remedy:
    operation = "Ingress" if direction == "ingress" else "Egress"
    return Remedy(
        action=f"revoke-{direction}",
        summary=f"Revoke {len(permissions)} {direction} rule(s) of {group}.",
        state=State.SECURITY_GROUP_RULES,
        read=_ec2("DescribeSecurityGroups", GroupIds=[group]),
        before={"direction": direction, "present": permissions, "absent": []},
        after={"direction": direction, "present": [], "absent": permissions},
        calls=(_ec2(f"RevokeSecurityGroup{operation}", GroupId=group, IpPermissions=permissions),),
        rollback=(_ec2(f"AuthorizeSecurityGroup{operation}", GroupId=group, IpPermissions=permissions),),
    )


def _revoking(direction: str) -> Callable[[Finding], Proposal]:
    def propose(finding: Finding) -> Proposal:
        return Proposal(
            remedies=(revocation(direction, finding.resource.id, finding.evidence["permissions"]),)
        )

    return propose


def deactivation(user: str, key: str) -> Remedy:
    def update(status: str) -> Call:
        return Call(
            service="iam",
            operation="UpdateAccessKey",
            parameters={"UserName": user, "AccessKeyId": key, "Status": status},
        )

    return Remedy(
        action="deactivate-access-key",
        summary=f"Deactivate access key {key} of {user}.",
        state=State.ACCESS_KEY,
        read=Call(service="iam", operation="ListAccessKeys", parameters={"UserName": user}),
        before={"user": user, "access_key_id": key, "status": "Active"},
        after={"user": user, "access_key_id": key, "status": "Inactive"},
        calls=(update("Inactive"),),
        rollback=(update("Active"),),
        disruptive=True,
    )


KEY_MANUAL = "Move what uses the key to a role."


def _propose_keys(finding: Finding) -> Proposal:
    keys = finding.evidence.get("keys", ["AKIAEXAMPLE"])
    return Proposal(remedies=tuple(deactivation(finding.resource.id, key) for key in keys), manual=KEY_MANUAL)


RECORD_UNPLANNABLE = "the evidence lacks the record set (record_set)"


def _fixer(
    rule: str,
    propose: Callable[[Finding], Proposal],
    operations: frozenset[str] = frozenset(),
    *,
    disruptive: bool = False,
) -> Fixer:
    return Fixer(
        rule=rule,
        summary="test fixer",
        actions=(),
        operations=operations,
        propose=propose,
        disruptive=disruptive,
    )


BUCKET_OPERATIONS = frozenset(
    {
        "s3.GetBucketPolicy",
        "s3.DeleteBucketPolicy",
        "s3.PutBucketPolicy",
        "s3.GetPublicAccessBlock",
        "s3.PutPublicAccessBlock",
        "s3.DeletePublicAccessBlock",
    }
)


def _group_operations(direction: str) -> frozenset[str]:
    return frozenset(
        {
            "ec2.DescribeSecurityGroups",
            f"ec2.RevokeSecurityGroup{direction}",
            f"ec2.AuthorizeSecurityGroup{direction}",
        }
    )


TEST_FIXERS = {
    fixer.rule: fixer
    for fixer in (
        _fixer(S3_RULE, _propose_bucket, BUCKET_OPERATIONS),
        _fixer(INBOUND_RULE, _revoking("ingress"), _group_operations("Ingress")),
        _fixer(ALL_PORTS_RULE, _revoking("ingress"), _group_operations("Ingress")),
        _fixer(EGRESS_RULE, _revoking("egress"), _group_operations("Egress")),
        _fixer(
            IAM_RULE, _propose_keys, frozenset({"iam.ListAccessKeys", "iam.UpdateAccessKey"}), disruptive=True
        ),
        _fixer(RECORD_RULE, lambda finding: Proposal(unplannable=RECORD_UNPLANNABLE)),
    )
}


def finding(
    rule: str,
    resource_id: str,
    resource_type: str,
    *,
    status: Status = Status.FAIL,
    account: str = ACCOUNT,
    evidence: dict[str, Any] | None = None,
    remediation: str = "Fix it by hand.",
    **extra: Any,
) -> Finding:
    return Finding(
        id=finding_id(rule, account, resource_id),
        rule=rule,
        title=f"{rule} on {resource_id}",
        status=status,
        severity=Severity.HIGH,
        account=account,
        region=REGION,
        resource=Resource(type=resource_type, id=resource_id, name=resource_id),
        message="failed",
        evidence=evidence or {},
        remediation=remediation,
        **extra,
    )


def bucket_finding(
    bucket: str = "team-data", evidence: dict[str, Any] | None = None, **changes: Any
) -> Finding:
    """A finding on a bucket the scan found not declared public (its evidence says so)."""
    return finding(
        S3_RULE, bucket, BUCKET_TYPE, evidence={"declared_public": False, **(evidence or {})}, **changes
    )


def group_finding(
    rule: str = INBOUND_RULE,
    group: str = GROUP,
    permissions: list[dict[str, Any]] | None = None,
    *,
    designated: bool | None = False,
) -> Finding:
    evidence: dict[str, Any] = {"permissions": permissions if permissions is not None else [SSH_WORLD]}
    if designated is not None:
        evidence["internet_egress_group"] = designated
    return finding(rule, group, GROUP_TYPE, evidence=evidence)


NO_CONFIG = Config()
EVERYTHING = Selection()


def plan_of(
    *findings: Finding,
    config: Config = NO_CONFIG,
    selection: Selection = EVERYTHING,
    include_disruptive: bool = False,
    fixers: dict[str, Fixer] = TEST_FIXERS,
) -> Plan:
    report = Report(
        scan=ScanSummary(
            started_at=SCANNED_AT,
            finished_at=SCANNED_AT,
            tool=ToolInfo(name="cloudwarden", version="test"),
            accounts=(ACCOUNT,),
            regions=(REGION,),
            errors=(),
            stats={},
        ),
        findings=findings,
    )
    return plan_fixes(
        report,
        "scan.json",
        config,
        selection,
        include_disruptive=include_disruptive,
        today=TODAY,
        fixers=fixers,
    )


def change_of(of: Finding, remedy: Remedy, **extra: Any) -> Change:
    """The change the plan makes of `remedy` for the finding `of`."""
    return Change(
        **{field: getattr(remedy, field) for field in Remedy.__struct_fields__},
        finding=of.id,
        rule=of.rule,
        account=of.account,
        region=of.region,
        resource=of.resource.id,
        **extra,
    )


def manual_of(of: Finding, why: str, steps: str) -> ManualStep:
    return ManualStep(
        finding=of.id,
        rule=of.rule,
        account=of.account,
        region=of.region,
        resource=of.resource.id,
        why=why,
        steps=steps,
    )


def test_a_failing_bucket_is_planned_with_its_alternative_and_the_plan_names_the_report() -> None:
    failing = bucket_finding()
    assert plan_of(failing) == Plan(
        report="scan.json",
        scanned_at=SCANNED_AT,
        changes=(
            change_of(failing, delete_policy("team-data"), alternatives=(block_public_access("team-data"),)),
        ),
        manual=(),
        left_out={},
    )


def test_findings_that_are_not_fail_are_left_out_each_with_its_reason() -> None:
    plan = plan_of(
        bucket_finding("passing", status=Status.PASS),
        bucket_finding("unknown", status=Status.UNKNOWN, unknown_cause=UnknownCause.FAILED_CALL),
        finding("root-mfa", ACCOUNT, "AWS::::Account", status=Status.MANUAL),
        bucket_finding(
            "suppressed",
            status=Status.SUPPRESSED,
            suppression=Suppression(reason="reviewed", expires="2099-01-01", status_underneath=Status.FAIL),
        ),
        bucket_finding("also-passing", status=Status.PASS),
    )
    assert (plan.changes, plan.manual, plan.left_out) == (
        (),
        (),
        {"manual": 1, "pass": 2, "suppressed": 1, "unknown": 1},
    )


def test_an_attested_finding_is_left_out_as_attested_not_as_pass() -> None:
    attested = finding(
        "root-mfa",
        ACCOUNT,
        "AWS::::Account",
        status=Status.PASS,
        evidence={"attested_by": "alice", "attested_on": "2025-06-01"},
    )
    plan = plan_of(attested)
    assert (plan.changes, plan.manual, plan.left_out) == ((), (), {"attested": 1})


def _suppression(expires: dt.date, resource: str = "team-*") -> SuppressionConfig:
    return SuppressionConfig(rule=S3_RULE, resource=resource, reason="shared on purpose", expires=expires)


def test_a_fail_suppressed_in_the_configuration_given_to_fix_since_the_scan_is_left_out() -> None:
    plan = plan_of(bucket_finding(), config=Config(suppressions=(_suppression(TODAY),)))
    assert (plan.changes, plan.manual, plan.left_out) == ((), (), {"suppressed": 1})


def test_a_fail_whose_suppression_has_expired_is_planned() -> None:
    failing = bucket_finding()
    plan = plan_of(failing, config=Config(suppressions=(_suppression(TODAY - dt.timedelta(days=1)),)))
    assert (plan.changes, plan.manual, plan.left_out) == (
        (change_of(failing, delete_policy("team-data"), alternatives=(block_public_access("team-data"),)),),
        (),
        {},
    )


def test_a_suppression_of_another_resource_does_not_leave_the_finding_out() -> None:
    plan = plan_of(bucket_finding(), config=Config(suppressions=(_suppression(TODAY, "other-*"),)))
    assert [change.finding for change in plan.changes] == [bucket_finding().id]


def test_buckets_declared_public_by_a_glob_are_left_out_and_the_others_planned() -> None:
    kept = bucket_finding("team-data")
    config = Config(s3=S3Config(public_buckets=("public-*", "www.example.com")))
    plan = plan_of(bucket_finding("public-assets"), bucket_finding("www.example.com"), kept, config=config)
    assert (plan.changes, plan.manual, plan.left_out) == (
        (change_of(kept, delete_policy("team-data"), alternatives=(block_public_access("team-data"),)),),
        (),
        {"declared-public": 2},
    )


def test_a_group_of_the_report_not_designated_for_internet_egress_is_planned() -> None:
    failing = group_finding()
    plan = plan_of(failing)
    assert (plan.changes, plan.manual, plan.left_out) == (
        (change_of(failing, revocation("ingress", GROUP, [SSH_WORLD])),),
        (),
        {},
    )


def test_a_group_designated_by_id_in_the_configuration_given_to_fix_is_left_out() -> None:
    config = Config(security_groups=SecurityGroupsConfig(internet_egress_groups=(GROUP,)))
    plan = plan_of(group_finding(), group_finding(group=OTHER_GROUP), config=config)
    assert ([change.resource for change in plan.changes], plan.manual, plan.left_out) == (
        [OTHER_GROUP],
        (),
        {"internet-egress-group": 1},
    )


def test_any_group_is_left_out_when_the_configuration_designates_groups_by_tag() -> None:
    """A report does not carry groups' tags: which groups the tag designates cannot be told."""
    config = Config(security_groups=SecurityGroupsConfig(internet_egress_groups=("tag:egress=internet",)))
    plan = plan_of(group_finding(), group_finding(group=OTHER_GROUP), config=config)
    assert (plan.changes, plan.manual, plan.left_out) == ((), (), {"internet-egress-group": 2})


def test_a_group_the_scan_found_designated_is_left_out() -> None:
    plan = plan_of(group_finding(designated=True))
    assert (plan.changes, plan.manual, plan.left_out) == ((), (), {"internet-egress-group": 1})


def test_a_group_whose_evidence_does_not_say_whether_it_is_designated_is_left_out() -> None:
    """A report of an older version: the group may be the NSM proxy's."""
    plan = plan_of(group_finding(designated=None))
    assert (plan.changes, plan.manual, plan.left_out) == ((), (), {"internet-egress-group": 1})


def test_a_disruptive_change_is_left_out_without_include_disruptive() -> None:
    plan = plan_of(finding(IAM_RULE, "deploy-bot", USER_TYPE))
    assert (plan.changes, plan.manual, plan.left_out) == ((), (), {"disruptive": 1})


def test_a_disruptive_change_is_planned_with_include_disruptive_and_its_manual_part_listed() -> None:
    user = finding(IAM_RULE, "deploy-bot", USER_TYPE)
    plan = plan_of(user, include_disruptive=True)
    assert (plan.changes, plan.manual, plan.left_out) == (
        (change_of(user, deactivation("deploy-bot", "AKIAEXAMPLE")),),
        (manual_of(user, "part of it needs a person", KEY_MANUAL),),
        {},
    )


def test_an_unplannable_finding_is_a_manual_step_with_the_reason_and_the_remediation() -> None:
    record = finding(RECORD_RULE, "Z123/assets.example.com./CNAME", "AWS::Route53::RecordSet")
    plan = plan_of(record)
    assert (plan.changes, plan.manual, plan.left_out) == (
        (),
        (manual_of(record, f"no change can be planned: {RECORD_UNPLANNABLE}", "Fix it by hand."),),
        {},
    )


def test_a_fail_of_a_rule_without_fixer_is_a_manual_step_with_the_findings_remediation() -> None:
    root = finding("root-mfa", ACCOUNT, "AWS::::Account", remediation="Enrol a hardware key for root.")
    plan = plan_of(root)
    assert (plan.changes, plan.manual, plan.left_out) == (
        (),
        (manual_of(root, "no API call fixes this rule's findings", "Enrol a hardware key for root."),),
        {},
    )


def test_a_finding_without_remediation_gets_its_rules() -> None:
    root = finding("root-mfa", ACCOUNT, "AWS::::Account", remediation="")
    plan = plan_of(root)
    assert plan.manual == (
        manual_of(root, "no API call fixes this rule's findings", RULES_BY_ID["root-mfa"].remediation),
    )


def test_a_finding_of_iac_is_left_out_whatever_its_rule() -> None:
    plan = plan_of(bucket_finding(location=Location(file="main.tf.json")))
    assert (plan.changes, plan.manual, plan.left_out) == ((), (), {"iac": 1})


def test_findings_outside_the_selection_are_counted_as_not_selected() -> None:
    chosen = bucket_finding("team-data")
    findings = (
        chosen,
        bucket_finding("team-logs"),
        bucket_finding("team-data", account=OTHER_ACCOUNT),
        group_finding(),
    )
    selection = Selection(
        rules=frozenset({S3_RULE}),
        findings=frozenset({chosen.id, findings[2].id}),
        accounts=frozenset({ACCOUNT}),
    )
    plan = plan_of(*findings, selection=selection)
    assert ([change.finding for change in plan.changes], plan.manual, plan.left_out) == (
        [chosen.id],
        (),
        {"not-selected": 3},
    )


def test_selection_comes_first_whatever_else_would_leave_the_finding_out() -> None:
    plan = plan_of(bucket_finding(status=Status.PASS), selection=Selection(rules=frozenset({INBOUND_RULE})))
    assert plan.left_out == {"not-selected": 1}


def test_overlapping_revocations_of_one_group_are_merged_into_the_first_change() -> None:
    """A world-open all-traffic rule is both too broad and internal all-ports: revoked once."""
    inbound = group_finding(INBOUND_RULE, permissions=[SSH_WORLD, ALL_WORLD])
    all_ports = group_finding(ALL_PORTS_RULE, permissions=[ALL_WORLD, ALL_INTERNAL])
    merged = [SSH_WORLD, ALL_WORLD, ALL_INTERNAL]
    plan = plan_of(inbound, all_ports)
    expected = change_of(
        inbound,
        Remedy(
            action="revoke-ingress",
            summary=(
                f"Revoke 2 ingress rule(s) of {GROUP}.; and for {ALL_PORTS_RULE}: "
                f"Revoke 2 ingress rule(s) of {GROUP}."
            ),
            state=State.SECURITY_GROUP_RULES,
            read=_ec2("DescribeSecurityGroups", GroupIds=[GROUP]),
            before={"direction": "ingress", "present": merged, "absent": []},
            after={"direction": "ingress", "present": [], "absent": merged},
            calls=(_ec2("RevokeSecurityGroupIngress", GroupId=GROUP, IpPermissions=merged),),
            rollback=(_ec2("AuthorizeSecurityGroupIngress", GroupId=GROUP, IpPermissions=merged),),
        ),
        also_fixes=(all_ports.id,),
    )
    assert (plan.changes, plan.manual, plan.left_out) == ((expected,), (), {})


def test_a_revocation_wholly_inside_an_earlier_one_only_names_its_finding() -> None:
    inbound = group_finding(INBOUND_RULE, permissions=[SSH_WORLD, ALL_WORLD])
    all_ports = group_finding(ALL_PORTS_RULE, permissions=[ALL_WORLD])
    plan = plan_of(inbound, all_ports)
    assert plan.changes == (
        change_of(inbound, revocation("ingress", GROUP, [SSH_WORLD, ALL_WORLD]), also_fixes=(all_ports.id,)),
    )


def test_revocations_of_two_groups_are_not_merged() -> None:
    first = group_finding(INBOUND_RULE)
    second = group_finding(ALL_PORTS_RULE, group=OTHER_GROUP)
    plan = plan_of(first, second)
    assert plan.changes == (
        change_of(first, revocation("ingress", GROUP, [SSH_WORLD])),
        change_of(second, revocation("ingress", OTHER_GROUP, [SSH_WORLD])),
    )


def test_an_egress_revocation_and_an_ingress_one_of_one_group_are_two_changes() -> None:
    """Both read the group the same way, but change different rules: merging them would revoke the
    egress permission as an ingress one."""
    inbound = group_finding(INBOUND_RULE)
    egress = group_finding(EGRESS_RULE, permissions=[ALL_WORLD])
    plan = plan_of(inbound, egress)
    assert (plan.changes, plan.manual) == (
        (
            change_of(inbound, revocation("ingress", GROUP, [SSH_WORLD])),
            change_of(egress, revocation("egress", GROUP, [ALL_WORLD])),
        ),
        (),
    )


def test_a_second_change_of_the_same_bucket_policy_becomes_a_manual_step() -> None:
    failing = bucket_finding(evidence={"twice": True})
    plan = plan_of(failing)
    assert (plan.changes, plan.manual, plan.left_out) == (
        (change_of(failing, delete_policy("team-data"), alternatives=(block_public_access("team-data"),)),),
        (
            manual_of(
                failing,
                f"another change of this plan ({failing.id}) changes the same s3-bucket-policy: apply it, "
                "scan again, then fix what remains",
                "Fix it by hand.",
            ),
        ),
        {},
    )


def test_the_same_bucket_policy_in_two_accounts_is_two_changes() -> None:
    here = bucket_finding()
    there = bucket_finding(account=OTHER_ACCOUNT)
    plan = plan_of(here, there)
    assert ([change.finding for change in plan.changes], plan.manual) == ([here.id, there.id], ())


def test_deactivations_of_two_keys_of_one_user_are_two_changes() -> None:
    user = finding(IAM_RULE, "deploy-bot", USER_TYPE, evidence={"keys": ["AKIAFIRST", "AKIASECOND"]})
    plan = plan_of(user, include_disruptive=True)
    assert (plan.changes, plan.manual) == (
        (
            change_of(user, deactivation("deploy-bot", "AKIAFIRST")),
            change_of(user, deactivation("deploy-bot", "AKIASECOND")),
        ),
        (manual_of(user, "part of it needs a person", KEY_MANUAL),),
    )


def test_a_fixer_that_raises_on_malformed_evidence_makes_a_manual_step_not_a_change() -> None:
    """An edited or corrupt report: nothing is guessed from evidence of the wrong shape."""
    garbled = finding(INBOUND_RULE, GROUP, GROUP_TYPE, evidence={"internet_egress_group": False})
    plan = plan_of(garbled)
    assert (plan.changes, plan.manual, plan.left_out) == (
        (),
        (
            manual_of(
                garbled,
                "no change can be planned: its evidence is malformed (KeyError('permissions'))",
                "Fix it by hand.",
            ),
        ),
        {},
    )


def test_a_fixer_proposing_a_call_it_does_not_declare_is_a_bug_that_stops_planning() -> None:
    """The write session allows only declared operations: the alternatives' calls count too."""
    undeclaring = _fixer(S3_RULE, _propose_bucket, BUCKET_OPERATIONS - {"s3.DeletePublicAccessBlock"})
    with pytest.raises(AssertionError) as raised:
        plan_of(bucket_finding(), fixers={S3_RULE: undeclaring})
    assert str(raised.value) == (
        "the fixer of s3-no-public-access proposed undeclared calls: s3.DeletePublicAccessBlock"
    )


@pytest.mark.parametrize(
    ("evidence", "planned"),
    [({"declared_public": False}, True), ({"declared_public": True}, False), ({}, False)],
    ids=["not declared", "declared when scanned", "a report that does not say"],
)
def test_a_bucket_is_planned_only_when_the_report_says_it_was_not_declared_public(
    evidence: dict[str, Any], planned: bool
) -> None:
    bucket = finding(S3_RULE, "team-data", BUCKET_TYPE, evidence=evidence)
    plan = plan_of(bucket)
    assert (plan.changes, plan.manual, plan.left_out) == (
        (change_of(bucket, delete_policy("team-data"), alternatives=(block_public_access("team-data"),)),)
        if planned
        else (),
        (),
        {} if planned else {"declared-public": 1},
    )


def _default_group_with_ssh_from_the_world() -> SecurityGroup:
    group = default_group(DEFAULT)
    return msgspec.structs.replace(group, ingress=(*group.ingress, permission("tcp", 22, "0.0.0.0/0")))


SUPPRESSED_SSH = SuppressionConfig(
    rule=INBOUND_RULE, resource=DEFAULT, reason="the bastion's SSH, reviewed", expires=dt.date(2099, 1, 1)
)


@pytest.mark.parametrize("when", ["in the scan", "in the configuration given to fix"])
def test_rules_a_suppressed_finding_names_are_not_revoked_by_another_rules_finding_on_the_group(
    when: str,
) -> None:
    """The default group's SSH from the world, suppressed for sg-minimal-inbound, is also an inbound rule
    of the default group (sg-no-internal-all-ports): that finding revokes its other rule only."""
    suppressing = Config(suppressions=(SUPPRESSED_SSH,))
    scanned, given_to_fix = (suppressing, NO_CONFIG) if when == "in the scan" else (NO_CONFIG, suppressing)
    report = evaluate(
        snapshot(ec2_account(_default_group_with_ssh_from_the_world())),
        scanned,
        rules=[SG_MINIMAL_INBOUND, SG_NO_INTERNAL_ALL_PORTS],
    )
    read_back = msgspec.json.decode(msgspec.json.encode(report), type=Report)
    suppressed, all_ports = sorted(read_back.findings, key=lambda each: each.rule)
    assert (suppressed.rule, all_ports.rule, all_ports.status) == (INBOUND_RULE, ALL_PORTS_RULE, Status.FAIL)

    plan = plan_fixes(read_back, "scan.json", given_to_fix, today=TODAY)

    itself = {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": DEFAULT, "UserId": ACCOUNT}]}
    revoking_itself = Remedy(
        action="revoke-ingress",
        summary=(
            f"Revoke the inbound rules All traffic from {DEFAULT} (this group); TCP 22 from 0.0.0.0/0 of "
            f"{DEFAULT}, keeping its other rules. Except 1 of them, kept on purpose (see the manual steps)."
        ),
        state=State.SECURITY_GROUP_RULES,
        read=_ec2("DescribeSecurityGroups", GroupIds=[DEFAULT]),
        before={"direction": "ingress", "present": [itself], "absent": []},
        after={"direction": "ingress", "present": [], "absent": [itself]},
        calls=(_ec2("RevokeSecurityGroupIngress", GroupId=DEFAULT, IpPermissions=[itself]),),
        rollback=(_ec2("AuthorizeSecurityGroupIngress", GroupId=DEFAULT, IpPermissions=[itself]),),
    )
    assert (plan.changes, plan.manual, plan.left_out) == (
        (change_of(all_ports, revoking_itself),),
        (
            manual_of(
                all_ports,
                f"1 of its rules are kept: findings left out on purpose name them ({suppressed.id})",
                KEPT_STEPS,
            ),
        ),
        {"suppressed": 1},
    )


KEPT_STEPS = "Review them with whoever suppressed or designated the group; change them by hand."


def test_a_suppressed_group_finding_that_names_no_rules_keeps_every_rule_of_its_direction() -> None:
    """Which rules it meant cannot be told: another finding's revocation of the group's inbound rules is
    dropped whole, its outbound one is not."""
    suppressed = finding(
        INBOUND_RULE,
        GROUP,
        GROUP_TYPE,
        status=Status.SUPPRESSED,
        evidence={"internet_egress_group": False},
        suppression=Suppression(reason="reviewed", expires="2099-01-01", status_underneath=Status.FAIL),
    )
    all_ports = group_finding(ALL_PORTS_RULE, permissions=[ALL_INTERNAL, SSH_WORLD])
    egress = group_finding(EGRESS_RULE, permissions=[ALL_WORLD])
    plan = plan_of(suppressed, all_ports, egress)
    assert (plan.changes, plan.manual, plan.left_out) == (
        (change_of(egress, revocation("egress", GROUP, [ALL_WORLD])),),
        (
            manual_of(
                all_ports,
                f"2 of its rules are kept: findings left out on purpose name them ({suppressed.id})",
                KEPT_STEPS,
            ),
        ),
        {"suppressed": 1},
    )


def test_an_attested_group_finding_keeps_the_rules_it_names_in_that_group_only() -> None:
    attested = finding(
        INBOUND_RULE,
        GROUP,
        GROUP_TYPE,
        status=Status.PASS,
        evidence={
            "attested_by": "alice",
            "internet_egress_group": False,
            "offending_rules": [{"rule": "TCP 22 from 0.0.0.0/0", "permission": SSH_WORLD}],
        },
    )
    here = group_finding(ALL_PORTS_RULE, permissions=[ALL_INTERNAL, SSH_WORLD])
    elsewhere = group_finding(ALL_PORTS_RULE, group=OTHER_GROUP, permissions=[SSH_WORLD])
    plan = plan_of(attested, here, elsewhere)
    assert (plan.changes, plan.manual, plan.left_out) == (
        (
            change_of(
                here,
                msgspec.structs.replace(
                    revocation("ingress", GROUP, [ALL_INTERNAL]),
                    summary=f"Revoke 2 ingress rule(s) of {GROUP}. Except 1 of them, kept on purpose "
                    "(see the manual steps).",
                ),
            ),
            change_of(elsewhere, revocation("ingress", OTHER_GROUP, [SSH_WORLD])),
        ),
        (
            manual_of(
                here,
                f"1 of its rules are kept: findings left out on purpose name them ({attested.id})",
                KEPT_STEPS,
            ),
        ),
        {"attested": 1},
    )
