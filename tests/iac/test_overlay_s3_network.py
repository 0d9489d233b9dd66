"""Plans laid over a collected account (`iac --snapshot`): buckets and security groups judged against what
the live account already holds, by the real rules, exact verdicts per resource.

Documents are built by hand in the shape the parsers give (a plan's planned values, `before` for the
changes to what exists); live accounts are `AccountSnapshot` values as `collect` writes them. Findings
go through `iac.build` and the engine with its relabel, as `cloudwarden iac --snapshot` does; one test
runs the command itself on a plan file written in Terraform's JSON plan format.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec
from typer.testing import CliRunner

from cloudwarden.cli import app
from cloudwarden.config import Config
from cloudwarden.engine import Evaluation
from cloudwarden.findings import Finding, Location, Status, UnknownCause
from cloudwarden.iac import s3
from cloudwarden.iac.build import Built, build
from cloudwarden.iac.model import Action, IacDocument, IacResource, Ref, Tool
from cloudwarden.rules.base import Rule
from cloudwarden.rules.s3_no_public_access import S3_NO_PUBLIC_ACCESS
from cloudwarden.rules.sg_minimal_inbound import SG_MINIMAL_INBOUND
from cloudwarden.rules.sg_no_internal_all_ports import SG_NO_INTERNAL_ALL_PORTS
from cloudwarden.snapshot import (
    AccountSnapshot,
    AclGrant,
    ApiError,
    Bucket,
    Ec2Data,
    GroupPair,
    IpPermission,
    PrefixList,
    PublicAccessBlock,
    S3Data,
    SecurityGroup,
    Vpc,
    dump_snapshot,
)
from tests.unit.builders import (
    ACCOUNT_ID,
    ALL_BLOCKED,
    BUCKET_REGION,
    HOME_REGION,
    VPC_ID,
    account,
    allow_statement,
    bucket_policy,
    permission,
    s3_api_error,
    s3_bucket,
    security_group,
    snapshot,
)
from tests.unit.security_group_builders import (
    OPEN_PREFIX_LIST,
    VPC_PREFIX_LIST,
    prefix_list,
)

PLAN = "plan.json"
TEMPLATE = "template.yaml"
PASS, FAIL, UNKNOWN = Status.PASS, Status.FAIL, Status.UNKNOWN
S3_RULE = S3_NO_PUBLIC_ACCESS.id
SG_RULE = SG_MINIMAL_INBOUND.id

SITE = "live-site"
"""A live bucket the plans change."""
UNTOUCHED = "live-untouched"
"""A live public bucket no plan touches: the live scan's business, never reported by `iac`."""
WEB = "sg-0c1a2b3d4e5f60101"
"""A live group the plans add rules to."""
OPEN = "sg-0c1a2b3d4e5f60909"
"""A live world-open group no plan touches."""

PUBLIC_POLICY = bucket_policy(allow_statement(bucket=SITE))
PRIVATE_POLICY = bucket_policy(
    allow_statement(sid="Partner", principal={"AWS": "arn:aws:iam::210987654321:root"}, bucket=SITE)
)
RESTRICTED = PublicAccessBlock(restrict_public_buckets=True)


# --- live accounts ------------------------------------------------------------------------------------------


def live_account(
    buckets: Sequence[Bucket] | None = (),
    groups: Sequence[SecurityGroup] = (),
    *,
    account_block: PublicAccessBlock | None = None,
    prefix_lists: Sequence[PrefixList] = (),
    errors: Sequence[ApiError] = (),
) -> AccountSnapshot:
    """A collected account holding these buckets (None: ListBuckets failed) and groups, and always the
    untouched public bucket and world-open group."""
    every_bucket = None if buckets is None else (*buckets, s3_bucket(UNTOUCHED, policy=PUBLIC_POLICY))
    return msgspec.structs.replace(
        account(errors=errors),
        s3=S3Data(buckets=every_bucket, account_public_access_block=account_block),
        ec2=Ec2Data(
            security_groups=(
                *groups,
                security_group(OPEN, "open", ingress=[permission("tcp", 22, "0.0.0.0/0")]),
            ),
            prefix_lists=tuple(prefix_lists),
        ),
    )


# --- documents ----------------------------------------------------------------------------------------------


def tf(
    address: str,
    kind: str,
    values: dict[str, Any],
    action: Action = Action.CREATE,
    before: dict[str, Any] | None = None,
) -> IacResource:
    return IacResource(
        address=address,
        type=kind,
        values=values,
        location=Location(file=PLAN),
        region=HOME_REGION,
        action=action,
        before=before,
    )


def plan(*resources: IacResource, path: str = PLAN) -> IacDocument:
    return IacDocument(path=path, tool=Tool.TERRAFORM, resources=resources)


def policy_on(
    bucket: str, policy: str = PUBLIC_POLICY, address: str = "aws_s3_bucket_policy.site"
) -> IacResource:
    """A bucket policy resource naming its bucket by a literal name."""
    return tf(address, "aws_s3_bucket_policy", {"bucket": bucket, "policy": policy})


def updated_bucket(name: str, policy: str | None, action: Action = Action.UPDATE) -> IacResource:
    """An `aws_s3_bucket` that exists: its planned values as the provider read them back (the legacy
    `policy`, `acl` and `grant` as in state: a policy or none, no canned ACL, no grant list)."""
    values: dict[str, Any] = {
        "bucket": name,
        "bucket_prefix": "",
        "force_destroy": False,
        "acl": None,
        "grant": [],
        "policy": policy,
        "id": name,
        "arn": f"arn:aws:s3:::{name}",
        "tags": {"team": "web"},
    }
    before = {**values, "tags": {}}
    return tf("aws_s3_bucket.site", "aws_s3_bucket", values, action, before=before)


def ingress_rule(
    address: str, group: str, port: int, cidr: str | None = None, prefix: str | None = None
) -> IacResource:
    """An `aws_vpc_security_group_ingress_rule` naming its group by a literal id."""
    return tf(
        address,
        "aws_vpc_security_group_ingress_rule",
        {
            "security_group_id": group,
            "ip_protocol": "tcp",
            "from_port": port,
            "to_port": port,
            "cidr_ipv4": cidr,
            "cidr_ipv6": None,
            "prefix_list_id": prefix,
            "referenced_security_group_id": None,
            "description": None,
            "tags": None,
        },
    )


# --- judging ------------------------------------------------------------------------------------------------


def judge(
    live: AccountSnapshot | None, *documents: IacDocument, rules: Sequence[Rule] = (S3_NO_PUBLIC_ACCESS,)
) -> tuple[dict[tuple[str, str], Finding], Built]:
    """The findings reported for the documents (laid over `live` when given), by (rule, resource id)."""
    built = build(documents, live)
    evaluation = Evaluation(
        built.snapshot, Config(), list(rules), prepare=built.relabel, warnings=built.warnings
    )
    findings = list(evaluation)
    by_id = {(finding.rule, finding.resource.id): finding for finding in findings}
    assert len(by_id) == len(findings)
    return by_id, built


def statuses(findings: dict[tuple[str, str], Finding]) -> dict[tuple[str, str], Status]:
    return {key: finding.status for key, finding in findings.items()}


def live_scan(live: AccountSnapshot, rule: Rule) -> dict[str, Finding]:
    """The live scan's findings of `rule` on `live`, by resource id."""
    evaluation = Evaluation(snapshot(live), Config(), [rule])
    return {finding.resource.id: finding for finding in evaluation}


def judged_account(built: Built) -> AccountSnapshot:
    (only,) = built.snapshot.accounts
    return only


# --- S3 -----------------------------------------------------------------------------------------------------


def test_a_public_policy_on_a_live_bucket_without_block_public_access_fails_as_the_live_scan_would() -> None:
    live = live_account([s3_bucket(SITE)])
    findings, built = judge(live, plan(policy_on(SITE)))
    assert statuses(findings) == {(S3_RULE, SITE): FAIL}
    finding = findings[S3_RULE, SITE]
    assert finding.location == Location(file=PLAN)
    assert finding.id == live_scan(live, S3_NO_PUBLIC_ACCESS)[SITE].id
    assert finding.evidence["iac"] == {
        "address": SITE,
        "attached": ["aws_s3_bucket_policy.site"],
        "assumed": [s3.ACCOUNT_FROM_LIVE, s3.LIVE_BUCKET],
    }
    assert built.warnings == ()
    # the judged record is the live bucket with the plan's policy
    judged = next(b for b in judged_account(built).s3.buckets or () if b.name == SITE)
    assert judged == msgspec.structs.replace(s3_bucket(SITE), policy=PUBLIC_POLICY)


def test_without_the_snapshot_the_policy_on_a_bucket_out_of_the_plan_is_a_warning_and_no_finding() -> None:
    findings, built = judge(None, plan(policy_on(SITE)))
    assert findings == {}
    assert built.warnings == (
        f"aws_s3_bucket_policy.site: its bucket ({SITE!r}) is not a bucket of {PLAN}; not judged "
        "(give --snapshot to judge it with the live bucket)",
    )


def test_restrict_public_buckets_on_the_live_bucket_neutralises_the_plans_public_policy() -> None:
    findings, _ = judge(
        live_account([s3_bucket(SITE, public_access_block=RESTRICTED)]), plan(policy_on(SITE))
    )
    assert statuses(findings) == {(S3_RULE, SITE): PASS}


def test_replacing_a_public_live_policy_with_a_private_one_passes_whatever_aws_said_of_the_old_one() -> None:
    live = live_account([s3_bucket(SITE, policy=PUBLIC_POLICY, policy_is_public=True)])
    assert live_scan(live, S3_NO_PUBLIC_ACCESS)[SITE].status is FAIL
    findings, _ = judge(live, plan(policy_on(SITE, PRIVATE_POLICY)))
    assert statuses(findings) == {(S3_RULE, SITE): PASS}


def test_a_block_resource_on_a_live_public_bucket_closes_it_and_one_lifting_it_opens_it() -> None:
    def block(**flags: bool) -> IacResource:
        return tf(
            "aws_s3_bucket_public_access_block.site",
            "aws_s3_bucket_public_access_block",
            {"bucket": SITE, **flags},
        )

    blocked = live_account([s3_bucket(SITE, policy=PUBLIC_POLICY, public_access_block=ALL_BLOCKED)])
    opened, _ = judge(blocked, plan(block(block_public_policy=False, restrict_public_buckets=False)))
    assert statuses(opened) == {(S3_RULE, SITE): FAIL}
    public = live_account([s3_bucket(SITE, policy=PUBLIC_POLICY)])
    closed, _ = judge(public, plan(block(block_public_policy=True, restrict_public_buckets=True)))
    assert statuses(closed) == {(S3_RULE, SITE): PASS}


def test_a_plan_updating_a_bucket_takes_its_unmanaged_settings_from_the_live_bucket() -> None:
    document = plan(updated_bucket(SITE, PUBLIC_POLICY))
    # without the snapshot the bucket's Block Public Access is not in the plan: unknown
    alone, _ = judge(None, document)
    assert statuses(alone) == {(S3_RULE, "aws_s3_bucket.site"): UNKNOWN}
    assert alone[S3_RULE, "aws_s3_bucket.site"].unknown_cause is UnknownCause.NOT_CHECKED
    # live: no block on the bucket, so the plan's public policy exposes it
    findings, built = judge(live_account([s3_bucket(SITE)]), document)
    assert statuses(findings) == {(S3_RULE, "aws_s3_bucket.site"): FAIL}
    assert findings[S3_RULE, "aws_s3_bucket.site"].evidence["iac"]["assumed"] == [
        s3.ACCOUNT_FROM_LIVE,
        "bucket ACL: not managed by the configuration, so the live bucket's",
        "Block Public Access: not managed by the configuration, so the live bucket's",
        "Object Ownership: not managed by the configuration, so the live bucket's",
    ]
    # the record named by the address stands for the live bucket, which is judged no more
    (judged, untouched) = judged_account(built).s3.buckets or ()
    assert (judged.name, judged.policy, untouched.name) == (SITE, PUBLIC_POLICY, UNTOUCHED)
    # live: all four settings on, so the same policy is neutralised
    blocked, _ = judge(live_account([s3_bucket(SITE, public_access_block=ALL_BLOCKED)]), document)
    assert statuses(blocked) == {(S3_RULE, "aws_s3_bucket.site"): PASS}


def test_the_account_level_block_is_the_live_accounts_unless_the_document_manages_it() -> None:
    live = live_account([s3_bucket(SITE)], account_block=ALL_BLOCKED)
    findings, _ = judge(live, plan(policy_on(SITE)))
    assert statuses(findings) == {(S3_RULE, SITE): PASS}
    assert findings[S3_RULE, SITE].evidence["block_public_access"]["account"] == {
        "block_public_acls": True,
        "ignore_public_acls": True,
        "block_public_policy": True,
        "restrict_public_buckets": True,
    }
    lifted = tf(
        "aws_s3_account_public_access_block.this",
        "aws_s3_account_public_access_block",
        {
            "account_id": ACCOUNT_ID,
            "block_public_acls": False,
            "ignore_public_acls": False,
            "block_public_policy": False,
            "restrict_public_buckets": False,
        },
    )
    findings, _ = judge(live, plan(policy_on(SITE), lifted))
    assert statuses(findings) == {(S3_RULE, SITE): FAIL}
    assert findings[S3_RULE, SITE].evidence["iac"] == {
        "address": SITE,
        "attached": ["aws_s3_account_public_access_block.this", "aws_s3_bucket_policy.site"],
        "assumed": [s3.LIVE_BUCKET],
    }


def test_a_live_get_bucket_policy_denial_keeps_a_plan_updated_bucket_unknown_by_a_failed_call() -> None:
    denied = s3_api_error("GetBucketPolicy", SITE)
    live = live_account([s3_bucket(SITE)], errors=[denied])
    findings, _ = judge(live, plan(updated_bucket(SITE, None)))
    assert statuses(findings) == {(S3_RULE, "aws_s3_bucket.site"): UNKNOWN}
    finding = findings[S3_RULE, "aws_s3_bucket.site"]
    assert finding.unknown_cause is UnknownCause.FAILED_CALL
    assert finding.message == f"the bucket policy could not be read: {denied.describe()}"


def test_a_plan_updating_a_bucket_the_snapshot_does_not_hold_stays_unknown() -> None:
    findings, _ = judge(live_account([]), plan(updated_bucket(SITE, PUBLIC_POLICY)))
    assert statuses(findings) == {(S3_RULE, "aws_s3_bucket.site"): UNKNOWN}
    assert s3.NOT_LIVE in findings[S3_RULE, "aws_s3_bucket.site"].evidence["iac"]["assumed"]


def test_a_bucket_the_plan_deletes_is_gone_and_gives_no_finding() -> None:
    gone = s3_bucket("old-site", policy=PUBLIC_POLICY)
    before = {"bucket": "old-site", "id": "old-site", "policy": PUBLIC_POLICY, "force_destroy": False}
    deletion = tf("aws_s3_bucket.old", "aws_s3_bucket", before, Action.DELETE, before=before)
    findings, built = judge(live_account([gone]), plan(deletion))
    assert findings == {}
    assert [b.name for b in judged_account(built).s3.buckets or ()] == [UNTOUCHED]


def test_the_plans_buckets_are_judged_when_the_live_buckets_could_not_be_listed() -> None:
    open_block = tf(
        "aws_s3_bucket_public_access_block.new",
        "aws_s3_bucket_public_access_block",
        {"bucket": "new-site", "block_public_policy": False, "restrict_public_buckets": False},
    )
    new = tf("aws_s3_bucket.new", "aws_s3_bucket", {"bucket": "new-site", "policy": PUBLIC_POLICY})
    live = live_account(None, errors=[s3_api_error("ListBuckets")])
    findings, _ = judge(live, plan(new, open_block))
    assert statuses(findings) == {(S3_RULE, "aws_s3_bucket.new"): FAIL}


# --- a template's bucket: an existing stack's or a new one ------------------------------------------------


def template_bucket(properties: dict[str, Any], policy: str | None = PUBLIC_POLICY) -> IacDocument:
    """`Site` with these properties and, unless None, a BucketPolicy `SitePolicy` linking to it."""
    resources = [
        IacResource(
            address="Site",
            type="AWS::S3::Bucket",
            values=properties,
            location=Location(file=TEMPLATE, line=3),
        )
    ]
    if policy is not None:
        resources.append(
            IacResource(
                address="SitePolicy",
                type="AWS::S3::BucketPolicy",
                values={
                    "Bucket": Ref("Site", None, "SitePolicy.Bucket"),
                    "PolicyDocument": json.loads(policy),
                },
                location=Location(file=TEMPLATE, line=9),
            )
        )
    return IacDocument(path=TEMPLATE, tool=Tool.CLOUDFORMATION, resources=tuple(resources))


def test_a_template_bucket_named_as_a_live_bucket_is_that_bucket_with_its_live_settings() -> None:
    """An existing stack's bucket: what the template does not set (Block Public Access) is the live
    bucket's. Without a block there, the template's public policy exposes it."""
    document = template_bucket({"BucketName": SITE})
    findings, built = judge(live_account([s3_bucket(SITE)]), document)
    assert statuses(findings) == {(S3_RULE, "Site"): FAIL}
    assert findings[S3_RULE, "Site"].evidence["iac"]["assumed"] == [
        s3.ACCOUNT_FROM_LIVE,
        s3.TEMPLATE_EXISTING,
        "bucket ACL: not managed by the configuration, so the live bucket's",
        "Block Public Access: not managed by the configuration, so the live bucket's",
        "Object Ownership: not managed by the configuration, so the live bucket's",
    ]
    # the record stands for the live bucket, judged no more on its own
    assert [b.name for b in judged_account(built).s3.buckets or ()] == [SITE, UNTOUCHED]
    blocked, _ = judge(live_account([s3_bucket(SITE, public_access_block=ALL_BLOCKED)]), document)
    assert statuses(blocked) == {(S3_RULE, "Site"): PASS}


def test_a_template_bucket_without_a_policy_keeps_the_live_public_policy() -> None:
    live = live_account([s3_bucket(SITE, policy=PUBLIC_POLICY)])
    findings, _ = judge(live, template_bucket({"BucketName": SITE}, policy=None))
    assert statuses(findings) == {(S3_RULE, "Site"): FAIL}


def test_a_template_bucket_the_listed_live_account_lacks_is_new_and_its_defaults_are_certain() -> None:
    findings, _ = judge(live_account([s3_bucket(SITE)]), template_bucket({"BucketName": "new-site"}))
    assert statuses(findings) == {(S3_RULE, "Site"): PASS}
    assumed = findings[S3_RULE, "Site"].evidence["iac"]["assumed"]
    assert s3.TEMPLATE_NEW in assumed
    assert s3.NEW_BUCKET_BLOCK in assumed
    assert s3.REFUSED_POLICY in assumed


def test_a_template_bucket_that_may_be_new_or_live_is_not_checked() -> None:
    unnamed, _ = judge(live_account([s3_bucket(SITE)]), template_bucket({}))
    assert statuses(unnamed) == {(S3_RULE, "Site"): UNKNOWN}
    assert unnamed[S3_RULE, "Site"].unknown_cause is UnknownCause.NOT_CHECKED
    assert s3.TEMPLATE_UNNAMED in unnamed[S3_RULE, "Site"].message
    unlisted, _ = judge(
        live_account(None, errors=[s3_api_error("ListBuckets")]), template_bucket({"BucketName": "new-site"})
    )
    assert statuses(unlisted) == {(S3_RULE, "Site"): UNKNOWN}
    assert s3.TEMPLATE_UNLISTED in unlisted[S3_RULE, "Site"].message


# --- security groups ----------------------------------------------------------------------------------------


def test_a_rule_opening_ssh_to_the_world_on_a_live_group_fails_on_the_live_group() -> None:
    live = live_account(groups=[security_group(WEB, "web", ingress=[permission("tcp", 443, "0.0.0.0/0")])])
    findings, built = judge(
        live,
        plan(ingress_rule("aws_vpc_security_group_ingress_rule.ssh", WEB, 22, cidr="0.0.0.0/0")),
        rules=[SG_MINIMAL_INBOUND],
    )
    assert statuses(findings) == {(SG_RULE, WEB): FAIL}
    finding = findings[SG_RULE, WEB]
    assert finding.location == Location(file=PLAN)
    assert finding.id == live_scan(live, SG_MINIMAL_INBOUND)[WEB].id
    assert finding.message == (
        "inbound rules too broad: TCP 22 from 0.0.0.0/0 (open to the world on a port that is not public)"
    )
    assert finding.evidence["iac"] == {
        "address": WEB,
        "attached": ["aws_vpc_security_group_ingress_rule.ssh"],
        "assumed": [
            "the group is not in the configuration: its rules other than those of the attached resources "
            "are the live group's (from the live account)"
        ],
    }
    judged = next(g for g in (judged_account(built).ec2 or Ec2Data()).security_groups if g.id == WEB)
    assert judged.ingress == (
        permission("tcp", 443, "0.0.0.0/0"),
        IpPermission(protocol="tcp", from_port=22, to_port=22, ipv4_ranges=("0.0.0.0/0",)),
    )


def test_without_the_snapshot_a_rule_on_a_live_group_is_a_warning_and_no_finding() -> None:
    findings, built = judge(
        None,
        plan(ingress_rule("aws_vpc_security_group_ingress_rule.ssh", WEB, 22, cidr="0.0.0.0/0")),
        rules=[SG_MINIMAL_INBOUND],
    )
    assert findings == {}
    assert len(built.warnings) == 1
    assert "give --snapshot to judge it with the live group" in built.warnings[0]


def test_rules_of_two_documents_on_one_live_group_make_one_finding() -> None:
    live = live_account(groups=[security_group(WEB, "web")])
    findings, built = judge(
        live,
        plan(ingress_rule("aws_vpc_security_group_ingress_rule.https", WEB, 443, cidr="0.0.0.0/0")),
        plan(
            ingress_rule("aws_vpc_security_group_ingress_rule.ssh", WEB, 22, cidr="0.0.0.0/0"),
            path="other.json",
        ),
        rules=[SG_MINIMAL_INBOUND],
    )
    assert statuses(findings) == {(SG_RULE, WEB): FAIL}
    assert findings[SG_RULE, WEB].evidence["iac"]["attached"] == [
        "aws_vpc_security_group_ingress_rule.https",
        "aws_vpc_security_group_ingress_rule.ssh",
    ]
    assert [g.id for g in (judged_account(built).ec2 or Ec2Data()).security_groups] == [WEB, OPEN]


def test_rules_toward_live_prefix_lists_are_judged_by_their_entries() -> None:
    """A new group's rule and a rule added to a live group name the live account's customer lists: the
    one someone extended with 0.0.0.0/0 opens SSH to the world, the VPC's does not."""
    lists = [
        prefix_list(OPEN_PREFIX_LIST, ("10.20.0.0/16", "0.0.0.0/0")),
        prefix_list(VPC_PREFIX_LIST, ("10.20.0.0/16",)),
    ]
    live = live_account(groups=[security_group(WEB, "web")], prefix_lists=lists)
    new = "aws_security_group.bastion"
    values: dict[str, Any] = {
        "name": "bastion",
        "description": "Managed by Terraform",
        "vpc_id": "vpc-0a1b2c3d4e5f60718",
        "ingress": [
            {
                "from_port": 22,
                "to_port": 22,
                "protocol": "tcp",
                "cidr_blocks": [],
                "ipv6_cidr_blocks": [],
                "prefix_list_ids": [OPEN_PREFIX_LIST],
                "security_groups": [],
                "self": False,
                "description": "",
            }
        ],
        "egress": [],
        "tags": None,
    }
    document = plan(
        tf(new, "aws_security_group", values),
        ingress_rule("aws_vpc_security_group_ingress_rule.ssh", WEB, 22, prefix=VPC_PREFIX_LIST),
    )
    findings, _ = judge(live, document, rules=[SG_MINIMAL_INBOUND])
    assert statuses(findings) == {(SG_RULE, new): FAIL, (SG_RULE, WEB): PASS}
    assert findings[SG_RULE, new].message == (
        f"inbound rules too broad: TCP 22 from 0.0.0.0/0 (in prefix list {OPEN_PREFIX_LIST}) (open to the "
        "world on a port that is not public)"
    )
    # without the snapshot the list's entries are unknown
    alone, _ = judge(None, document, rules=[SG_MINIMAL_INBOUND])
    assert statuses(alone) == {(SG_RULE, new): UNKNOWN}


def test_a_group_the_plan_deletes_is_gone_and_gives_no_finding() -> None:
    before = {"id": OPEN, "name": "open", "ingress": [], "egress": []}
    deletion = tf("aws_security_group.open", "aws_security_group", before, Action.DELETE, before=before)
    late = ingress_rule("aws_vpc_security_group_ingress_rule.late", OPEN, 22, cidr="0.0.0.0/0")
    findings, built = judge(live_account(), plan(deletion, late), rules=[SG_MINIMAL_INBOUND])
    assert findings == {}
    assert (judged_account(built).ec2 or Ec2Data()).security_groups == ()
    assert built.warnings == (
        f"aws_vpc_security_group_ingress_rule.late: its group ({OPEN!r}) is not a security group of {PLAN} "
        "or of the live account (or the change deletes or replaces it); not judged",
    )


def test_a_group_the_plan_updates_stands_for_the_live_group() -> None:
    values: dict[str, Any] = {
        "id": OPEN,
        "name": "open",
        "description": "Managed by Terraform",
        "vpc_id": "vpc-0a1b2c3d4e5f60718",
        "ingress": [
            {
                "from_port": 22,
                "to_port": 22,
                "protocol": "tcp",
                "cidr_blocks": ["10.20.0.0/16"],
                "ipv6_cidr_blocks": [],
                "prefix_list_ids": [],
                "security_groups": [],
                "self": False,
                "description": "",
            }
        ],
        "egress": [],
        "tags": None,
        "tags_all": {},
    }
    group = tf("aws_security_group.open", "aws_security_group", values, Action.UPDATE, before=values)
    findings, built = judge(live_account(), plan(group), rules=[SG_MINIMAL_INBOUND])
    assert statuses(findings) == {(SG_RULE, "aws_security_group.open"): PASS}
    assert [g.id for g in (judged_account(built).ec2 or Ec2Data()).security_groups] == [
        "aws_security_group.open"
    ]


def test_a_template_ingress_on_a_live_group_by_its_id_fails_on_the_live_group() -> None:
    ingress = IacResource(
        address="SshFromAnywhere",
        type="AWS::EC2::SecurityGroupIngress",
        values={"GroupId": WEB, "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"},
        location=Location(file=TEMPLATE, line=4),
    )
    document = IacDocument(path=TEMPLATE, tool=Tool.CLOUDFORMATION, resources=(ingress,))
    findings, _ = judge(
        live_account(groups=[security_group(WEB, "web")]), document, rules=[SG_MINIMAL_INBOUND]
    )
    assert statuses(findings) == {(SG_RULE, WEB): FAIL}
    assert findings[SG_RULE, WEB].location == Location(file=TEMPLATE, line=4)


# --- the command --------------------------------------------------------------------------------------------


def test_the_command_lays_a_plan_file_over_a_snapshot_file(tmp_path: Path) -> None:
    live = live_account([s3_bucket(SITE, region=BUCKET_REGION)], [security_group(WEB, "web")])
    snapshot_file = tmp_path / "snapshot.json"
    dump_snapshot(snapshot(live), snapshot_file)
    policy = json.loads(PUBLIC_POLICY)
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(_plan_json(policy)))
    report_file = tmp_path / "report.json"
    arguments = [
        "iac",
        str(plan_file),
        "--snapshot",
        str(snapshot_file),
        "--rule",
        S3_RULE,
        "--rule",
        SG_RULE,
    ]
    result = CliRunner().invoke(app, [*arguments, "--format", "json", "--output", str(report_file)])
    assert result.exit_code == 1, result.output
    report = json.loads(report_file.read_text())
    reported = {
        (f["rule"], f["resource"]["id"]): (f["status"], f["location"]["file"]) for f in report["findings"]
    }
    assert reported == {
        (S3_RULE, SITE): ("FAIL", str(plan_file)),
        (SG_RULE, WEB): ("FAIL", str(plan_file)),
    }
    # the same plan alone: neither resource is in it, so nothing is judged
    alone = CliRunner().invoke(
        app, [*arguments[:2], "--rule", S3_RULE, "--format", "json", "--output", str(report_file)]
    )
    assert alone.exit_code == 0, alone.output
    assert json.loads(report_file.read_text())["findings"] == []


def _plan_json(policy: dict[str, Any]) -> dict[str, Any]:
    """A plan (`terraform show -json`, format 1.2) that adds a policy to the live bucket and an SSH rule
    to the live group, both named by literal values in the configuration."""
    policy_values = {"bucket": SITE, "policy": json.dumps(policy)}
    rule_values = {
        "cidr_ipv4": "0.0.0.0/0",
        "cidr_ipv6": None,
        "description": "SSH from anywhere",
        "from_port": 22,
        "ip_protocol": "tcp",
        "prefix_list_id": None,
        "referenced_security_group_id": None,
        "security_group_id": WEB,
        "tags": None,
        "to_port": 22,
    }
    provider = "registry.terraform.io/hashicorp/aws"

    def planned(kind: str, name: str, values: dict[str, Any]) -> dict[str, Any]:
        return {
            "address": f"{kind}.{name}",
            "mode": "managed",
            "type": kind,
            "name": name,
            "provider_name": provider,
            "schema_version": 0,
            "values": values,
            "sensitive_values": {},
        }

    def change(kind: str, name: str, values: dict[str, Any], unknown: dict[str, bool]) -> dict[str, Any]:
        return {
            "address": f"{kind}.{name}",
            "mode": "managed",
            "type": kind,
            "name": name,
            "provider_name": provider,
            "change": {
                "actions": ["create"],
                "before": None,
                "after": values,
                "after_unknown": unknown,
                "before_sensitive": False,
                "after_sensitive": {},
            },
        }

    def configured(kind: str, name: str, values: dict[str, Any]) -> dict[str, Any]:
        return {
            "address": f"{kind}.{name}",
            "mode": "managed",
            "type": kind,
            "name": name,
            "provider_config_key": "aws",
            "expressions": {
                key: {"constant_value": value} for key, value in values.items() if value is not None
            },
            "schema_version": 0,
        }

    policy_kind, rule_kind = "aws_s3_bucket_policy", "aws_vpc_security_group_ingress_rule"
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {
            "root_module": {
                "resources": [
                    planned(policy_kind, "site", policy_values),
                    planned(rule_kind, "ssh", rule_values),
                ]
            }
        },
        "resource_changes": [
            change(policy_kind, "site", policy_values, {"id": True}),
            change(
                rule_kind,
                "ssh",
                rule_values,
                {"arn": True, "id": True, "security_group_rule_id": True, "tags_all": True},
            ),
        ],
        "configuration": {
            "provider_config": {
                "aws": {
                    "name": "aws",
                    "full_name": provider,
                    "version_constraint": "~> 5.0",
                    "expressions": {"region": {"constant_value": HOME_REGION}},
                }
            },
            "root_module": {
                "resources": [
                    configured(policy_kind, "site", policy_values),
                    configured(rule_kind, "ssh", rule_values),
                ]
            },
        },
        "timestamp": "2025-06-02T09:45:00Z",
        "applyable": True,
        "complete": True,
        "errored": False,
    }


# --- the live account's ARN is kept on what a document only attaches to ------------------------------------


def test_a_finding_on_a_live_bucket_keeps_its_arn_and_a_plan_bucket_named_by_its_address_has_none() -> None:
    live = live_account([s3_bucket(SITE)])
    new = tf("aws_s3_bucket.new", "aws_s3_bucket", {"bucket": None, "policy": None})
    findings, _ = judge(live, plan(policy_on(SITE), new))
    assert statuses(findings) == {(S3_RULE, SITE): FAIL, (S3_RULE, "aws_s3_bucket.new"): PASS}
    assert findings[S3_RULE, SITE].resource.arn == f"arn:aws:s3:::{SITE}"
    assert findings[S3_RULE, "aws_s3_bucket.new"].resource.arn is None


def test_a_finding_on_a_live_group_keeps_its_arn() -> None:
    live = live_account(groups=[security_group(WEB, "web")])
    findings, _ = judge(
        live,
        plan(ingress_rule("aws_vpc_security_group_ingress_rule.ssh", WEB, 22, cidr="0.0.0.0/0")),
        rules=[SG_MINIMAL_INBOUND],
    )
    assert findings[SG_RULE, WEB].resource.arn == live_scan(live, SG_MINIMAL_INBOUND)[WEB].resource.arn
    assert findings[SG_RULE, WEB].resource.arn is not None


# --- live listings that failed ---------------------------------------------------------------------------


def test_a_policy_on_a_bucket_the_live_account_could_not_list_is_judged_unknown_by_the_failed_call() -> None:
    live = live_account(None, errors=[s3_api_error("ListBuckets")])
    findings, built = judge(live, plan(policy_on("unseen-bucket")))
    assert statuses(findings) == {(S3_RULE, "unseen-bucket"): UNKNOWN}
    finding = findings[S3_RULE, "unseen-bucket"]
    assert finding.unknown_cause is UnknownCause.FAILED_CALL
    assert finding.location == Location(file=PLAN)
    assert finding.resource.arn == "arn:aws:s3:::unseen-bucket"
    assert "the live buckets could not be listed (s3:ListBuckets in us-east-1 failed: AccessDenied" in (
        finding.message
    )
    assert finding.evidence["iac"]["attached"] == ["aws_s3_bucket_policy.site"]
    assert s3.UNLISTED_BUCKET in finding.evidence["iac"]["assumed"]
    assert built.warnings == ()


def test_a_policy_on_a_bucket_absent_from_a_listing_that_was_read_is_a_warning() -> None:
    findings, built = judge(live_account([s3_bucket(SITE)]), plan(policy_on("unseen-bucket")))
    assert findings == {}
    assert len(built.warnings) == 1
    assert built.warnings[0].startswith(
        "aws_s3_bucket_policy.site: its bucket ('unseen-bucket') is not a bucket"
    )


def test_a_rule_on_a_group_of_a_region_whose_groups_could_not_be_read_is_unknown() -> None:
    failed = ApiError(
        account="123456789012",
        service="ec2",
        operation="DescribeSecurityGroups",
        region=HOME_REGION,
        code="UnauthorizedOperation",
        message="not authorized",
    )
    live = live_account(errors=[failed])
    unseen = "sg-0ffffffffffffff01"
    findings, built = judge(
        live,
        plan(ingress_rule("aws_vpc_security_group_ingress_rule.https", unseen, 443, cidr="10.0.0.0/8")),
        rules=[SG_MINIMAL_INBOUND],
    )
    assert statuses(findings) == {(SG_RULE, unseen): UNKNOWN}
    finding = findings[SG_RULE, unseen]
    assert finding.message == (
        "inbound access from sources that could not be read cannot be judged: the live rules of "
        f"{unseen} are unknown: ec2:DescribeSecurityGroups in {HOME_REGION} failed: UnauthorizedOperation: "
        "not authorized"
    )
    assert finding.unknown_cause is UnknownCause.FAILED_CALL  # a failed read: the run is not judged
    assert finding.evidence["iac"]["attached"] == ["aws_vpc_security_group_ingress_rule.https"]
    assert built.warnings == ()


# --- deleted dependent resources -------------------------------------------------------------------------


def deleted(address: str, kind: str, before: dict[str, Any]) -> IacResource:
    return tf(address, kind, before, Action.DELETE, before=before)


def test_deleting_the_block_of_a_live_public_bucket_exposes_it() -> None:
    live = live_account([s3_bucket(SITE, policy=PUBLIC_POLICY, public_access_block=ALL_BLOCKED)])
    assert live_scan(live, S3_NO_PUBLIC_ACCESS)[SITE].status is PASS
    gone = deleted(
        "aws_s3_bucket_public_access_block.site",
        "aws_s3_bucket_public_access_block",
        {
            "bucket": SITE,
            "block_public_acls": True,
            "ignore_public_acls": True,
            "block_public_policy": True,
            "restrict_public_buckets": True,
        },
    )
    findings, _ = judge(live, plan(gone))
    assert statuses(findings) == {(S3_RULE, SITE): FAIL}
    assert findings[S3_RULE, SITE].evidence["iac"]["attached"] == ["aws_s3_bucket_public_access_block.site"]


def test_deleting_the_public_policy_of_a_live_bucket_closes_it() -> None:
    live = live_account([s3_bucket(SITE, policy=PUBLIC_POLICY, policy_is_public=True)])
    gone = deleted(
        "aws_s3_bucket_policy.site", "aws_s3_bucket_policy", {"bucket": SITE, "policy": PUBLIC_POLICY}
    )
    findings, built = judge(live, plan(gone))
    assert statuses(findings) == {(S3_RULE, SITE): PASS}
    judged = next(b for b in judged_account(built).s3.buckets or () if b.name == SITE)
    assert (judged.policy, judged.policy_is_public) == (None, None)


def test_deleting_the_ownership_controls_of_a_live_bucket_enables_its_public_acl() -> None:
    public_read = AclGrant(
        grantee_type="Group", grantee="http://acs.amazonaws.com/groups/global/AllUsers", permission="READ"
    )
    live = live_account([s3_bucket(SITE, grants=[public_read], object_ownership="BucketOwnerEnforced")])
    assert live_scan(live, S3_NO_PUBLIC_ACCESS)[SITE].status is PASS
    gone = deleted(
        "aws_s3_bucket_ownership_controls.site",
        "aws_s3_bucket_ownership_controls",
        {"bucket": SITE, "rule": [{"object_ownership": "BucketOwnerEnforced"}]},
    )
    findings, _ = judge(live, plan(gone))
    assert statuses(findings) == {(S3_RULE, SITE): FAIL}


def test_deleting_the_acl_resource_of_a_live_bucket_changes_nothing_and_reports_nothing() -> None:
    live = live_account([s3_bucket(SITE)])
    gone = deleted("aws_s3_bucket_acl.site", "aws_s3_bucket_acl", {"bucket": SITE, "acl": "public-read"})
    findings, built = judge(live, plan(gone))
    assert findings == {}
    assert built.warnings == ()


def test_deleting_a_rule_revokes_exactly_it_from_the_live_group() -> None:
    live = live_account(
        groups=[security_group(WEB, "web", ingress=[permission("tcp", 22, "0.0.0.0/0", "10.0.0.0/8")])]
    )
    assert live_scan(live, SG_MINIMAL_INBOUND)[WEB].status is FAIL
    before = {
        "security_group_id": WEB,
        "ip_protocol": "tcp",
        "from_port": 22,
        "to_port": 22,
        "cidr_ipv4": "0.0.0.0/0",
        "cidr_ipv6": None,
        "prefix_list_id": None,
        "referenced_security_group_id": None,
    }
    findings, built = judge(
        live,
        plan(
            deleted("aws_vpc_security_group_ingress_rule.ssh", "aws_vpc_security_group_ingress_rule", before)
        ),
        rules=[SG_MINIMAL_INBOUND],
    )
    assert statuses(findings) == {(SG_RULE, WEB): PASS}
    judged = next(g for g in (judged_account(built).ec2 or Ec2Data()).security_groups if g.id == WEB)
    assert judged.ingress == (permission("tcp", 22, "10.0.0.0/8"),)
    assert findings[SG_RULE, WEB].evidence["iac"]["attached"] == ["aws_vpc_security_group_ingress_rule.ssh"]


def test_a_deleted_policy_of_a_bucket_the_plan_deletes_is_not_judged_when_the_listing_failed() -> None:
    live = live_account(None, errors=[s3_api_error("ListBuckets")])
    bucket_gone = deleted("aws_s3_bucket.site", "aws_s3_bucket", {"bucket": "gone-bucket"})
    policy_gone = deleted("aws_s3_bucket_policy.site", "aws_s3_bucket_policy", {"bucket": "gone-bucket"})
    findings, _ = judge(live, plan(bucket_gone, policy_gone))
    assert findings == {}


# --- a template's literal GroupName, Terraform's adopted default group ------------------------------------

LEGACY = "sg-0c1a2b3d4e5f60202"
"""A live group named `legacy` in the default VPC."""
NAMESAKE = "sg-0c1a2b3d4e5f60303"
"""A live group named `legacy` too, in a VPC that is not a default one: not what `GroupName` names."""
OTHER_VPC = "vpc-0ffffffffffffffff"


def with_vpcs(live: AccountSnapshot) -> AccountSnapshot:
    """`live` with its VPCs: VPC_ID is the region's default VPC, OTHER_VPC is not."""
    ec2 = live.ec2 or Ec2Data()
    vpcs = (Vpc(id=VPC_ID, region=HOME_REGION, is_default=True), Vpc(id=OTHER_VPC, region=HOME_REGION))
    return msgspec.structs.replace(live, ec2=msgspec.structs.replace(ec2, vpcs=vpcs))


def named_ingress() -> IacDocument:
    ingress = IacResource(
        address="LegacySsh",
        type="AWS::EC2::SecurityGroupIngress",
        values={
            "GroupName": "legacy",
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "CidrIp": "0.0.0.0/0",
        },
        location=Location(file=TEMPLATE, line=7),
    )
    return IacDocument(path=TEMPLATE, tool=Tool.CLOUDFORMATION, resources=(ingress,))


def test_a_template_ingress_naming_a_live_group_of_the_default_vpc_by_name_fails_on_that_group() -> None:
    groups = [
        security_group(LEGACY, "legacy"),
        security_group(NAMESAKE, "legacy", vpc_id=OTHER_VPC),
    ]
    findings, built = judge(
        with_vpcs(live_account(groups=groups)), named_ingress(), rules=[SG_MINIMAL_INBOUND]
    )
    assert statuses(findings) == {(SG_RULE, LEGACY): FAIL}
    assert findings[SG_RULE, LEGACY].location == Location(file=TEMPLATE, line=7)
    judged = {g.id: g for g in (judged_account(built).ec2 or Ec2Data()).security_groups}
    assert judged[NAMESAKE].ingress == ()
    assert built.warnings == ()


def test_a_template_ingress_naming_no_live_group_is_a_warning_and_no_finding() -> None:
    groups = [security_group(NAMESAKE, "legacy", vpc_id=OTHER_VPC)]
    findings, built = judge(
        with_vpcs(live_account(groups=groups)), named_ingress(), rules=[SG_MINIMAL_INBOUND]
    )
    assert statuses(findings) == {}
    assert built.warnings == (
        "LegacySsh: its group (GroupName 'legacy') is not a security group of template.yaml or of the live "
        "account (or the change deletes or replaces it); not judged",
    )


DEFAULT_GROUP = "sg-0c1a2b3d4e5f60404"
"""The live default group of VPC_ID, as AWS creates it: all traffic from itself."""


def test_an_adopted_default_group_stands_for_the_live_default_group_with_the_configured_rules_only() -> None:
    live_default = SecurityGroup(
        id=DEFAULT_GROUP,
        name="default",
        region=HOME_REGION,
        vpc_id=VPC_ID,
        owner_id=ACCOUNT_ID,
        ingress=(IpPermission(protocol="-1", groups=(GroupPair(group_id=DEFAULT_GROUP),)),),
        egress=(IpPermission(protocol="-1", ipv4_ranges=("0.0.0.0/0",)),),
    )
    live = live_account(groups=[live_default])
    assert statuses_of(live_scan(live, SG_NO_INTERNAL_ALL_PORTS)) == {DEFAULT_GROUP: FAIL, OPEN: PASS}
    adopt = tf(
        "aws_default_security_group.main",
        "aws_default_security_group",
        {"vpc_id": VPC_ID, "ingress": [], "egress": [], "id": None, "name": None},
    )
    findings, built = judge(live, plan(adopt), rules=[SG_NO_INTERNAL_ALL_PORTS])
    assert statuses(findings) == {(SG_NO_INTERNAL_ALL_PORTS.id, "aws_default_security_group.main"): PASS}
    judged = [g.id for g in (judged_account(built).ec2 or Ec2Data()).security_groups]
    assert judged == ["aws_default_security_group.main", OPEN]


def statuses_of(findings: dict[str, Finding]) -> dict[str, Status]:
    return {resource_id: finding.status for resource_id, finding in findings.items()}
