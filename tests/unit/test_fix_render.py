"""The plan as a shell script, JSON and Markdown: the AWS CLI commands exactly as the CLI names
operations and options, every value quoted, and nothing from the report (a resource's name, a summary)
ever becoming a command of the script or Markdown of the document."""

from __future__ import annotations

import json
import shlex
from typing import Any

import botocore.session
import msgspec
import pytest
from botocore import xform_name

from cloudwarden.fix.command import fix_operations
from cloudwarden.fix.plan import Change, ManualStep, Plan
from cloudwarden.fix.render import cli_command, kebab, render_plan_json, render_plan_markdown, render_plan_sh
from cloudwarden.remedy import Call, Remedy, State

ACCOUNT = "123456789012"
REGION = "eu-west-1"
BUCKET = "team-data"
GROUP = "sg-0123456789abcdef0"
FINDING = "cw-0123456789abcdef01234567"
SSH_WORLD = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
HOSTILE = "x\nrm -rf /"
"""A value that would run `rm -rf /` were it written on a line of its own."""

OPERATIONS_OF_FIXERS = frozenset(
    {
        "s3.GetBucketPolicy",
        "s3.PutBucketPolicy",
        "s3.DeleteBucketPolicy",
        "s3.GetBucketAcl",
        "s3.PutBucketAcl",
        "s3.GetPublicAccessBlock",
        "s3.PutPublicAccessBlock",
        "s3.DeletePublicAccessBlock",
        "ec2.DescribeSecurityGroups",
        "ec2.RevokeSecurityGroupIngress",
        "ec2.AuthorizeSecurityGroupIngress",
        "ec2.RevokeSecurityGroupEgress",
        "ec2.AuthorizeSecurityGroupEgress",
        "route53.ListResourceRecordSets",
        "route53.ChangeResourceRecordSets",
        "iam.ListAccessKeys",
        "iam.UpdateAccessKey",
        "sts.GetCallerIdentity",
    }
)
"""The operations the fixers call or are to call (whichever of them are registered yet)."""


def _operation_names() -> list[tuple[str, str]]:
    """(operation, name) for every operation of the fixers and each of its parameters."""
    session = botocore.session.get_session()
    names = []
    for key in sorted(OPERATIONS_OF_FIXERS | fix_operations()):
        service, _, operation = key.partition(".")
        model = session.get_service_model(service).operation_model(operation)
        names.append((key, operation))
        names += [(key, member) for member in (model.input_shape.members if model.input_shape else {})]
    return names


@pytest.mark.parametrize(("operation", "name"), _operation_names())
def test_kebab_names_operations_and_options_as_the_aws_cli_does(operation: str, name: str) -> None:
    assert kebab(name) == xform_name(name, "-")


def _s3(operation: str, **parameters: Any) -> Call:
    return Call(service="s3", operation=operation, parameters=parameters)


def _ec2(operation: str, **parameters: Any) -> Call:
    return Call(service="ec2", operation=operation, parameters=parameters)


@pytest.mark.parametrize(
    ("call", "region", "command"),
    [
        (
            _s3("PutBucketPolicy", Bucket=BUCKET, Policy='{"Statement": []}'),
            REGION,
            "aws s3api put-bucket-policy --bucket team-data --policy '{\"Statement\": []}' "
            "--region eu-west-1",
        ),
        (
            _s3("DeleteBucketPolicy", Bucket=BUCKET),
            "global",
            "aws s3api delete-bucket-policy --bucket team-data",
        ),
        (
            _s3(
                "PutPublicAccessBlock",
                Bucket=BUCKET,
                PublicAccessBlockConfiguration={"BlockPublicAcls": True, "IgnorePublicAcls": False},
            ),
            "us-east-1",
            "aws s3api put-public-access-block --bucket team-data --public-access-block-configuration "
            '\'{"BlockPublicAcls":true,"IgnorePublicAcls":false}\' --region us-east-1',
        ),
        (
            _ec2("RevokeSecurityGroupIngress", GroupId=GROUP, IpPermissions=[SSH_WORLD]),
            REGION,
            "aws ec2 revoke-security-group-ingress --group-id sg-0123456789abcdef0 --ip-permissions "
            '\'[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"IpRanges":[{"CidrIp":"0.0.0.0/0"}]}]\' '
            "--region eu-west-1",
        ),
        (
            _ec2("DescribeSecurityGroups", GroupIds=[GROUP], MaxResults=5, DryRun=True),
            REGION,
            "aws ec2 describe-security-groups --group-ids '[\"sg-0123456789abcdef0\"]' --max-results 5 "
            "--dry-run --region eu-west-1",
        ),
        (
            _s3("PutBucketPolicy", Bucket=BUCKET, Policy="{}", ConfirmRemoveSelfBucketAccess=False),
            REGION,
            "aws s3api put-bucket-policy --bucket team-data --policy '{}' "
            "--no-confirm-remove-self-bucket-access --region eu-west-1",
        ),
        (
            Call(
                service="iam",
                operation="UpdateAccessKey",
                parameters={"UserName": "deploy-bot", "AccessKeyId": "AKIAEXAMPLE", "Status": "Inactive"},
            ),
            REGION,
            "aws iam update-access-key --user-name deploy-bot --access-key-id AKIAEXAMPLE --status Inactive",
        ),
        (
            Call(
                service="route53",
                operation="ChangeResourceRecordSets",
                parameters={
                    "HostedZoneId": "Z0123456789ABC",
                    "ChangeBatch": {
                        "Comment": "cloudwarden fix",
                        "Changes": [
                            {"Action": "DELETE", "ResourceRecordSet": {"Name": "a.example.com.", "TTL": 60}}
                        ],
                    },
                },
            ),
            "global",
            "aws route53 change-resource-record-sets --hosted-zone-id Z0123456789ABC --change-batch "
            '\'{"Comment":"cloudwarden fix","Changes":[{"Action":"DELETE","ResourceRecordSet":'
            '{"Name":"a.example.com.","TTL":60}}]}\'',
        ),
    ],
)
def test_a_call_is_the_aws_cli_command_that_makes_it(call: Call, region: str, command: str) -> None:
    assert cli_command(call, region) == command


@pytest.mark.parametrize(
    ("bucket", "quoted"),
    [
        ("it's", "'it'\"'\"'s'"),
        ("$(reboot)", "'$(reboot)'"),
        ("`reboot`", "'`reboot`'"),
        ("two words", "'two words'"),
        ("a;b", "'a;b'"),
        (HOSTILE, "'x\nrm -rf /'"),
    ],
)
def test_every_value_is_quoted_for_the_shell(bucket: str, quoted: str) -> None:
    command = cli_command(_s3("DeleteBucketPolicy", Bucket=bucket), "eu-west-1; reboot")
    assert command == f"aws s3api delete-bucket-policy --bucket {quoted} --region 'eu-west-1; reboot'"
    assert shlex.split(command) == [
        "aws",
        "s3api",
        "delete-bucket-policy",
        "--bucket",
        bucket,
        "--region",
        "eu-west-1; reboot",
    ]


def _policy_remedy(bucket: str = BUCKET, summary: str = f"Delete the policy of {BUCKET}.") -> Remedy:
    return Remedy(
        action="remove-public-policy-statements",
        summary=summary,
        state=State.BUCKET_POLICY,
        read=_s3("GetBucketPolicy", Bucket=bucket),
        before={"policy": {"Statement": [{"Effect": "Allow", "Principal": "*"}]}},
        after={"policy": None},
        calls=(_s3("DeleteBucketPolicy", Bucket=bucket),),
        rollback=(_s3("PutBucketPolicy", Bucket=bucket, Policy='{"Statement": []}'),),
    )


def _block_remedy(bucket: str = BUCKET, summary: str = f"Block public access to {BUCKET}.") -> Remedy:
    return Remedy(
        action="block-public-access",
        summary=summary,
        state=State.BUCKET_PUBLIC_ACCESS_BLOCK,
        read=_s3("GetPublicAccessBlock", Bucket=bucket),
        before={"configuration": None},
        after={"configuration": {"BlockPublicPolicy": True}},
        calls=(
            _s3(
                "PutPublicAccessBlock",
                Bucket=bucket,
                PublicAccessBlockConfiguration={"BlockPublicPolicy": True},
            ),
        ),
        rollback=(_s3("DeletePublicAccessBlock", Bucket=bucket),),
    )


def _change(remedy: Remedy, **fields: Any) -> Change:
    values: dict[str, Any] = {
        **{field: getattr(remedy, field) for field in Remedy.__struct_fields__},
        "finding": FINDING,
        "rule": "s3-no-public-access",
        "account": ACCOUNT,
        "region": REGION,
        "resource": BUCKET,
        **fields,
    }
    return Change(**values)


def _plan(
    changes: tuple[Change, ...], manual: tuple[ManualStep, ...] = (), report: str = "scan.json"
) -> Plan:
    return Plan(
        report=report,
        scanned_at="2025-06-15T12:00:00+00:00",
        changes=changes,
        manual=manual,
        left_out={"pass": 3, "suppressed": 1},
    )


MANUAL_ROOT = ManualStep(
    finding="cw-root",
    rule="root-mfa",
    account=ACCOUNT,
    region="global",
    resource=ACCOUNT,
    why="no API call fixes this rule's findings",
    steps="Enrol a hardware key.",
)

SCRIPT_HEADER = """\
#!/bin/sh
# cloudwarden fix plan for scan.json (scanned at 2025-06-15T12:00:00+00:00): {counts}.
# Review every command. This script does not check that a resource is still as the scan saw it; \
`cloudwarden fix --apply` does, and journals each change so that it can be rolled back.
set -eu

account_is() {{
  # Stop unless these credentials are in the account the next changes are for.
  current=$(aws sts get-caller-identity --query Account --output text)
  if [ "$current" != "$1" ]; then
    echo "these credentials are in account $current, not $1: stopped" >&2
    exit 1
  fi
}}
"""


def test_the_script_runs_each_change_in_its_account_with_its_undo_and_alternatives_in_comments() -> None:
    plan = _plan(
        (
            _change(_policy_remedy(), alternatives=(_block_remedy(),)),
            _change(
                _policy_remedy("other-data", "Delete the policy of other-data."),
                account="210987654321",
                resource="other-data",
                finding="cw-other",
                also_fixes=("cw-third",),
            ),
        ),
        (MANUAL_ROOT,),
    )
    assert render_plan_sh(plan) == SCRIPT_HEADER.format(
        counts="2 change(s), 1 manual step(s), 4 finding(s) left out"
    ) + (
        "\n"
        "account_is 123456789012\n"
        "\n"
        f"# s3-no-public-access {FINDING}: Delete the policy of team-data.\n"
        '# before: {"policy": {"Statement": [{"Effect": "Allow", "Principal": "*"}]}}\n'
        "aws s3api delete-bucket-policy --bucket team-data --region eu-west-1\n"
        "# to undo:\n"
        "#   aws s3api put-bucket-policy --bucket team-data --policy '{\"Statement\": []}' "
        "--region eu-west-1\n"
        "# alternative (block-public-access): Block public access to team-data.\n"
        "#   aws s3api put-public-access-block --bucket team-data --public-access-block-configuration "
        "'{\"BlockPublicPolicy\":true}' --region eu-west-1\n"
        "\n"
        "account_is 210987654321\n"
        "\n"
        "# s3-no-public-access cw-other: Delete the policy of other-data.\n"
        "# also fixes cw-third\n"
        '# before: {"policy": {"Statement": [{"Effect": "Allow", "Principal": "*"}]}}\n'
        "aws s3api delete-bucket-policy --bucket other-data --region eu-west-1\n"
        "# to undo:\n"
        "#   aws s3api put-bucket-policy --bucket other-data --policy '{\"Statement\": []}' "
        "--region eu-west-1\n"
        "\n"
        "# Manual steps (no API call fixes these):\n"
        f"# - root-mfa cw-root on {ACCOUNT} ({ACCOUNT}): no API call fixes this rule's findings\n"
        "#   Enrol a hardware key.\n"
        "\n"
        "# Left out: pass: 3, suppressed: 1\n"
    )


def _hostile_plan() -> Plan:
    """Every value the report gives a plan, with a line break followed by `rm -rf /` (and a terminal
    escape): the resource's name, the calls' values, the summary, the finding's and rule's ids, the
    account, the manual steps and the report's path."""
    hostile = f"{HOSTILE}\x1b[2K"
    return _plan(
        (
            _change(
                _policy_remedy(), summary=f"Delete the policy.{hostile}", resource=hostile, finding=hostile
            ),
            _change(
                _policy_remedy(hostile, f"Delete the policy of {hostile}."),
                resource=hostile,
                alternatives=(_block_remedy(hostile, hostile),),
                also_fixes=(hostile,),
            ),
            _change(_policy_remedy(), account=hostile, rule=hostile, region=hostile),
        ),
        (
            ManualStep(
                finding=hostile,
                rule=hostile,
                account=hostile,
                region=hostile,
                resource=hostile,
                why=hostile,
                steps=hostile,
            ),
        ),
        report=hostile,
    )


def test_no_value_of_the_report_becomes_a_command_of_the_script() -> None:
    script = render_plan_sh(_hostile_plan())
    lines = script.splitlines()
    header = SCRIPT_HEADER.format(counts="").splitlines()
    fixed = header[header.index("set -eu") :]
    start = lines.index("set -eu")
    assert all(line.startswith("#") for line in lines[:start])
    assert lines[start : start + len(fixed)] == fixed
    rest = lines[start + len(fixed) :]
    commands = [shlex.split(line) for line in rest if line and not line.startswith("#")]
    assert commands == [
        ["account_is", ACCOUNT],
        ["aws", "s3api", "delete-bucket-policy", "--bucket", BUCKET, "--region", REGION],
    ]
    assert "rm -rf /" not in "\n".join(line for line in lines if not line.startswith("#"))
    assert "\x1b" not in script


def test_a_change_whose_values_cannot_be_written_on_one_line_is_shown_but_not_run() -> None:
    script = render_plan_sh(
        _plan((_change(_policy_remedy(HOSTILE, "Delete the policy."), resource=HOSTILE),))
    )
    body = script.split(SCRIPT_HEADER.format(counts="1 change(s), 0 manual step(s), 4 finding(s) left out"))[
        1
    ]
    assert body == (
        "\n"
        f"# s3-no-public-access {FINDING}: Delete the policy.\n"
        '# before: {"policy": {"Statement": [{"Effect": "Allow", "Principal": "*"}]}}\n'
        "# NOT RUN: its account or a value of its calls holds a control character (a line break, a terminal "
        "escape) that a command of this script cannot hold on one line; review it in the JSON plan:\n"
        "#   aws s3api delete-bucket-policy --bucket 'x\\nrm -rf /' --region eu-west-1\n"
        "# to undo:\n"
        "#   aws s3api put-bucket-policy --bucket 'x\\nrm -rf /' --policy '{\"Statement\": []}' "
        "--region eu-west-1\n"
        "\n"
        "# Left out: pass: 3, suppressed: 1\n"
    )


def test_the_markdown_plan_escapes_what_would_be_markdown_or_html() -> None:
    change = _change(
        Remedy(
            action="revoke-ingress",
            summary="Revoke <script>alert(1)</script> | [click](https://example.com) *now*",
            state=State.SECURITY_GROUP_RULES,
            read=_ec2("DescribeSecurityGroups", GroupIds=[GROUP]),
            before={"direction": "ingress", "present": [{"Description": "```"}], "absent": []},
            after={"direction": "ingress", "present": [], "absent": [{"Description": "```"}]},
            calls=(
                _ec2("RevokeSecurityGroupIngress", GroupId="sg-``x", IpPermissions=[{"Description": "````"}]),
            ),
            rollback=(_ec2("AuthorizeSecurityGroupIngress", GroupId="sg-1", IpPermissions=[]),),
        ),
        rule="sg-minimal-inbound",
        resource="sg-`x`",
        also_fixes=("cw-``y",),
    )
    step = ManualStep(
        finding="cw-root",
        rule="root-mfa",
        account=ACCOUNT,
        region="global",
        resource="a|b",
        why="no API call fixes this rule's findings",
        steps="Run `aws iam enable-mfa-device` & <b>wait</b>\nthen check.",
    )
    assert render_plan_markdown(_plan((change,), (step,), report="scans/a|b<c>.json")) == (
        "# cloudwarden fix plan: scans/a\\|b&lt;c&gt;.json\n"
        "\n"
        "Scanned at 2025-06-15T12:00:00+00:00: 1 change(s), 1 manual step(s), 4 finding(s) left out.\n"
        "\n"
        "| # | rule | account | region | resource | change |\n"
        "|---|---|---|---|---|---|\n"
        "| 1 | sg-minimal-inbound | 123456789012 | eu-west-1 | sg-\\`x\\` | "
        "Revoke &lt;script&gt;alert(1)&lt;/script&gt; "
        "\\| \\[click\\](https:&#8203;//example.com) \\*now\\* |\n"
        "\n"
        "## 1. sg-minimal-inbound on `` sg-`x` ``\n"
        "\n"
        f"Finding `{FINDING}` (also ```cw-``y```): Revoke &lt;script&gt;alert(1)&lt;/script&gt; \\| "
        "\\[click\\](https:&#8203;//example.com) \\*now\\*\n"
        "\n"
        "Before:\n"
        "\n"
        "````json\n"
        "{\n"
        '  "absent": [],\n'
        '  "direction": "ingress",\n'
        '  "present": [\n'
        "    {\n"
        '      "Description": "```"\n'
        "    }\n"
        "  ]\n"
        "}\n"
        "````\n"
        "\n"
        "Commands:\n"
        "\n"
        "`````sh\n"
        "aws ec2 revoke-security-group-ingress --group-id 'sg-``x' "
        '--ip-permissions \'[{"Description":"````"}]\' '
        "--region eu-west-1\n"
        "`````\n"
        "\n"
        "Undo:\n"
        "\n"
        "```sh\n"
        "aws ec2 authorize-security-group-ingress --group-id sg-1 --ip-permissions '[]' --region eu-west-1\n"
        "```\n"
        "\n"
        "## Manual steps\n"
        "\n"
        "- **root-mfa** `a|b` (123456789012, finding `cw-root`): no API call fixes this rule's findings. "
        "Run \\`aws iam enable-mfa-device\\` &amp; &lt;b&gt;wait&lt;/b&gt;\\\\nthen check.\n"
        "\n"
        "## Left out\n"
        "\n"
        "- pass: 3\n"
        "- suppressed: 1\n"
    )


def _iam(operation: str, **parameters: Any) -> Call:
    return Call(service="iam", operation=operation, parameters=parameters)


def test_the_markdown_plan_makes_no_mention_issue_reference_or_autolink_of_the_report() -> None:
    """A user named like an e-mail address, a summary quoting issues, a team and URLs: shown with a
    zero-width space after `@`, `#`, `GH`, a scheme's colon and `www`, so that a ticket links none of
    them; code spans and fenced commands, where GitHub links nothing, keep them as they are."""
    user = "ops@example.com"
    remedy = Remedy(
        action="deactivate-access-key",
        summary=f"Deactivate the key of {user} (#123, GH-7, @org/team, www.example.com): https://evil.example/x",
        state=State.ACCESS_KEY,
        read=_iam("ListAccessKeys", UserName=user),
        before={"user": user, "access_key_id": "AKIAEXAMPLE", "status": "Active"},
        after={"user": user, "access_key_id": "AKIAEXAMPLE", "status": "Inactive"},
        calls=(_iam("UpdateAccessKey", UserName=user, AccessKeyId="AKIAEXAMPLE", Status="Inactive"),),
        rollback=(_iam("UpdateAccessKey", UserName=user, AccessKeyId="AKIAEXAMPLE", Status="Active"),),
        disruptive=True,
    )
    change = _change(remedy, rule="iam-user-mfa", region="global", resource=user)
    step = ManualStep(
        finding="cw-2",
        rule="iam-user-mfa",
        account=ACCOUNT,
        region="global",
        resource="@alice",
        why="part of it needs a person",
        steps="Ask @alice to enrol MFA (ftp://x.example, http://wiki.example/mfa#enrol).",
    )
    assert render_plan_markdown(_plan((change,), (step,), report="scans/#12@x.json")) == (
        "# cloudwarden fix plan: scans/#&#8203;12@&#8203;x.json\n"
        "\n"
        "Scanned at 2025-06-15T12:00:00+00:00: 1 change(s), 1 manual step(s), 4 finding(s) left out.\n"
        "\n"
        "| # | rule | account | region | resource | change |\n"
        "|---|---|---|---|---|---|\n"
        "| 1 | iam-user-mfa | 123456789012 | global | ops@&#8203;example.com | Deactivate the key of "
        "ops@&#8203;example.com (#&#8203;123, GH&#8203;-7, @&#8203;org/team, www&#8203;.example.com): "
        "https:&#8203;//evil.example/x |\n"
        "\n"
        "## 1. iam-user-mfa on `ops@example.com`\n"
        "\n"
        f"Finding `{FINDING}`: Deactivate the key of ops@&#8203;example.com (#&#8203;123, GH&#8203;-7, "
        "@&#8203;org/team, www&#8203;.example.com): https:&#8203;//evil.example/x\n"
        "\n"
        "Before:\n"
        "\n"
        "```json\n"
        "{\n"
        '  "access_key_id": "AKIAEXAMPLE",\n'
        '  "status": "Active",\n'
        '  "user": "ops@example.com"\n'
        "}\n"
        "```\n"
        "\n"
        "Commands:\n"
        "\n"
        "```sh\n"
        "aws iam update-access-key --user-name ops@example.com --access-key-id AKIAEXAMPLE "
        "--status Inactive\n"
        "```\n"
        "\n"
        "Undo:\n"
        "\n"
        "```sh\n"
        "aws iam update-access-key --user-name ops@example.com --access-key-id AKIAEXAMPLE --status Active\n"
        "```\n"
        "\n"
        "## Manual steps\n"
        "\n"
        "- **iam-user-mfa** `@alice` (123456789012, finding `cw-2`): part of it needs a person. Ask "
        "@&#8203;alice to enrol MFA (ftp:&#8203;//x.example, http:&#8203;//wiki.example/mfa#&#8203;enrol).\n"
        "\n"
        "## Left out\n"
        "\n"
        "- pass: 3\n"
        "- suppressed: 1\n"
    )


def test_no_value_of_the_report_breaks_a_line_of_the_markdown_plan() -> None:
    document = render_plan_markdown(_hostile_plan())
    assert "\x1b" not in document
    assert [line for line in document.splitlines() if "rm -rf /" in line and "\\nrm -rf /" not in line] == []


def test_the_json_plan_is_cloudwarden_fix_1_with_each_change_its_commands_and_undo() -> None:
    change = _change(_policy_remedy(), alternatives=(_block_remedy(),), also_fixes=("cw-other",))
    document = json.loads(render_plan_json(_plan((change,), (MANUAL_ROOT,))))
    policy_remedy = {
        "action": "remove-public-policy-statements",
        "summary": "Delete the policy of team-data.",
        "state": "s3-bucket-policy",
        "disruptive": False,
        "calls": [{"service": "s3", "operation": "DeleteBucketPolicy", "parameters": {"Bucket": BUCKET}}],
        "cli": ["aws s3api delete-bucket-policy --bucket team-data --region eu-west-1"],
        "before": {"policy": {"Statement": [{"Effect": "Allow", "Principal": "*"}]}},
        "after": {"policy": None},
        "rollback": [
            {
                "service": "s3",
                "operation": "PutBucketPolicy",
                "parameters": {"Bucket": BUCKET, "Policy": '{"Statement": []}'},
            }
        ],
        "rollback_cli": [
            "aws s3api put-bucket-policy --bucket team-data --policy '{\"Statement\": []}' --region eu-west-1"
        ],
        "read": {"service": "s3", "operation": "GetBucketPolicy", "parameters": {"Bucket": BUCKET}},
    }
    block = {"BlockPublicPolicy": True}
    assert document == {
        "schema": "cloudwarden.fix/1",
        "report": "scan.json",
        "scanned_at": "2025-06-15T12:00:00+00:00",
        "changes": [
            {
                "finding": FINDING,
                "rule": "s3-no-public-access",
                "account": ACCOUNT,
                "region": REGION,
                "resource": BUCKET,
                **policy_remedy,
                "also_fixes": ["cw-other"],
                "alternatives": [
                    {
                        "action": "block-public-access",
                        "summary": "Block public access to team-data.",
                        "state": "s3-bucket-public-access-block",
                        "disruptive": False,
                        "calls": [
                            {
                                "service": "s3",
                                "operation": "PutPublicAccessBlock",
                                "parameters": {"Bucket": BUCKET, "PublicAccessBlockConfiguration": block},
                            }
                        ],
                        "cli": [
                            "aws s3api put-public-access-block --bucket team-data "
                            "--public-access-block-configuration '{\"BlockPublicPolicy\":true}' "
                            "--region eu-west-1"
                        ],
                        "before": {"configuration": None},
                        "after": {"configuration": block},
                        "rollback": [
                            {
                                "service": "s3",
                                "operation": "DeletePublicAccessBlock",
                                "parameters": {"Bucket": BUCKET},
                            }
                        ],
                        "rollback_cli": [
                            "aws s3api delete-public-access-block --bucket team-data --region eu-west-1"
                        ],
                        "read": {
                            "service": "s3",
                            "operation": "GetPublicAccessBlock",
                            "parameters": {"Bucket": BUCKET},
                        },
                    }
                ],
            }
        ],
        "manual": [
            {
                "finding": "cw-root",
                "rule": "root-mfa",
                "account": ACCOUNT,
                "region": "global",
                "resource": ACCOUNT,
                "why": "no API call fixes this rule's findings",
                "steps": "Enrol a hardware key.",
            }
        ],
        "left_out": {"pass": 3, "suppressed": 1},
    }


def test_the_markdown_plan_strikes_nothing_through() -> None:
    """GitHub strikes `~~text~~` (and `~text~`) through: a report's text shown as it is, not struck."""
    step = msgspec.structs.replace(MANUAL_ROOT, resource="~~a~~", steps="Keep ~old~ keys ~~out~~.")
    markdown = render_plan_markdown(_plan((), (step,), report="~~struck~~.json"))
    assert markdown.splitlines()[0] == "# cloudwarden fix plan: \\~\\~struck\\~\\~.json"
    assert "Keep \\~old\\~ keys \\~\\~out\\~\\~." in markdown
    assert "`~~a~~`" in markdown  # in a code span, as it is
