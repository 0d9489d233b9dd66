"""`cloudwarden iac` as users run it: exit codes, every report format, findings that point at the code,
suppressions and the framework view, warnings, no AWS call, and hostile or malformed inputs (exit 2,
one line naming the file, no traceback).

In-process (typer's CliRunner), from the fixtures' directory so that a document's path, which is the
findings' `account`, reads as users give it (`cloudformation/s3_buckets.yaml`). Plans that need a
module with a FAIL, or that must be malformed, are written here in Terraform's JSON output format
(`terraform show -json`: `planned_values`, `resource_changes` with `after_unknown`, `configuration`
with `module_calls`)."""

from __future__ import annotations

import copy
import json
import os
import socket
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cloudwarden.cli import app
from cloudwarden.findings import finding_id

FIXTURES = Path(__file__).parent / "fixtures"
S3_TEMPLATE = "cloudformation/s3_buckets.yaml"
SG_PLAN = "terraform/security_groups.json"
MODULE_PLAN = "terraform/module_web.json"

Verdicts = set[tuple[str, str, str]]
"""(rule, status, resource id) of every finding of a run."""

S3_TEMPLATE_VERDICTS: Verdicts = {
    ("s3-no-public-access", "FAIL", "SiteBucket"),
    ("s3-no-public-access", "PASS", "LogsBucket"),
    ("s3-no-public-access", "PASS", "PrivateBucket"),
}
SG_PLAN_VERDICTS: Verdicts = {
    ("sg-inbound-rules-only", "PASS", "aws_security_group.lb"),
    ("sg-inbound-rules-only", "PASS", "aws_security_group.web"),
    ("sg-minimal-inbound", "PASS", "aws_security_group.lb"),
    ("sg-minimal-inbound", "FAIL", "aws_security_group.web"),
    ("sg-no-internal-all-ports", "PASS", "aws_security_group.lb"),
    ("sg-no-internal-all-ports", "PASS", "aws_security_group.web"),
    ("sg-egress-via-nsm-only", "FAIL", "aws_security_group.lb"),
    ("sg-egress-via-nsm-only", "FAIL", "aws_security_group.web"),
}


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def _in_the_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)


def _iac(*args: str | Path) -> Run:
    result = CliRunner().invoke(app, ["iac", *map(str, args)], catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


def _report(*args: str | Path) -> tuple[int, dict[str, Any]]:
    run = _iac(*args, "--format", "json")
    assert run.stderr == ""
    report: dict[str, Any] = json.loads(run.stdout)
    return run.code, report


def _verdicts(report: dict[str, Any]) -> Verdicts:
    return {(f["rule"], f["status"], f["resource"]["id"]) for f in report["findings"]}


def _finding(report: dict[str, Any], rule: str, resource: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        f for f in report["findings"] if f["rule"] == rule and f["resource"]["id"] == resource
    ]
    assert len(found) == 1
    return found[0]


# --- a plan written here ------------------------------------------------------------------------------------

PROVIDER = "registry.terraform.io/hashicorp/aws"


def _rule(port: int, cidr: str) -> dict[str, Any]:
    """An inline `ingress` block of `aws_security_group` as the provider's schema gives it."""
    return {
        "cidr_blocks": [cidr],
        "description": "",
        "from_port": port,
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "protocol": "tcp",
        "security_groups": [],
        "self": False,
        "to_port": port,
    }


def _group(name: str) -> dict[str, Any]:
    """A group to create, SSH open to the world, no egress rule; id, arn and owner known after apply."""
    return {
        "description": f"{name} servers",
        "egress": [],
        "ingress": [_rule(22, "0.0.0.0/0")],
        "name": name,
        "revoke_rules_on_delete": False,
        "tags": None,
        "timeouts": None,
        "vpc_id": "vpc-0f1e2d3c4b5a69788",
    }


UNKNOWN_GROUP_ATTRIBUTES = {
    "arn": True,
    "egress": [],
    "id": True,
    "ingress": [
        {"cidr_blocks": [False], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": []}
    ],
    "name_prefix": True,
    "owner_id": True,
    "tags_all": True,
}


def _planned(address: str, name: str) -> dict[str, Any]:
    return {
        "address": address,
        "mode": "managed",
        "type": "aws_security_group",
        "name": name,
        "provider_name": PROVIDER,
        "schema_version": 1,
        "values": _group(name),
        "sensitive_values": {"egress": [], "ingress": [{}], "tags_all": {}},
    }


def _change(address: str, name: str, module: str | None) -> dict[str, Any]:
    change: dict[str, Any] = {
        "address": address,
        "mode": "managed",
        "type": "aws_security_group",
        "name": name,
        "provider_name": PROVIDER,
        "change": {
            "actions": ["create"],
            "before": None,
            "after": _group(name),
            "after_unknown": copy.deepcopy(UNKNOWN_GROUP_ATTRIBUTES),
            "before_sensitive": False,
            "after_sensitive": {"egress": [], "ingress": [{}], "tags_all": {}},
        },
    }
    if module is not None:
        change["module_address"] = module
    return change


def _configured(name: str) -> dict[str, Any]:
    return {
        "address": f"aws_security_group.{name}",
        "mode": "managed",
        "type": "aws_security_group",
        "name": name,
        "provider_config_key": "aws",
        "expressions": {
            "name": {"constant_value": name},
            "vpc_id": {"constant_value": "vpc-0f1e2d3c4b5a69788"},
        },
        "schema_version": 1,
    }


def _module_plan() -> dict[str, Any]:
    """`aws_security_group.admin` and `module.web.aws_security_group.web`, both SSH open to the world."""
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {
            "root_module": {
                "resources": [_planned("aws_security_group.admin", "admin")],
                "child_modules": [
                    {
                        "address": "module.web",
                        "resources": [_planned("module.web.aws_security_group.web", "web")],
                    }
                ],
            }
        },
        "resource_changes": [
            _change("aws_security_group.admin", "admin", None),
            _change("module.web.aws_security_group.web", "web", "module.web"),
        ],
        "configuration": {
            "provider_config": {
                "aws": {
                    "name": "aws",
                    "full_name": PROVIDER,
                    "expressions": {"region": {"constant_value": "eu-west-1"}},
                }
            },
            "root_module": {
                "resources": [_configured("admin")],
                "module_calls": {
                    "web": {"source": "./modules/web", "module": {"resources": [_configured("web")]}}
                },
            },
        },
        "timestamp": "2026-12-01T10:00:00Z",
        "applyable": True,
        "complete": True,
        "errored": False,
    }


MODULE_PLAN_VERDICTS: Verdicts = {
    (rule, status, group)
    for group in ("aws_security_group.admin", "module.web.aws_security_group.web")
    for rule, status in (
        ("sg-inbound-rules-only", "PASS"),
        ("sg-minimal-inbound", "FAIL"),
        ("sg-no-internal-all-ports", "PASS"),
        ("sg-egress-via-nsm-only", "PASS"),
    )
}


def _write_plan(path: Path, plan: dict[str, Any]) -> Path:
    path.write_text(json.dumps(plan, indent=2), encoding="utf-8")
    return path


def test_the_plan_written_here_is_judged_as_expected(tmp_path: Path) -> None:
    """The base of the suppression and malformed-plan cases below: both groups FAIL sg-minimal-inbound."""
    code, report = _report(_write_plan(tmp_path / "plan.json", _module_plan()))
    assert code == 1
    assert _verdicts(report) == MODULE_PLAN_VERDICTS
    assert {f["region"] for f in report["findings"]} == {"eu-west-1"}


# --- exit codes ---------------------------------------------------------------------------------------------


def test_a_fail_exits_1() -> None:
    code, report = _report(S3_TEMPLATE)
    assert code == 1
    assert _verdicts(report) == S3_TEMPLATE_VERDICTS


@pytest.mark.parametrize(
    ("fail_on", "code"),
    [
        pytest.param("critical", 0, id="only-high-and-medium-fails-below-critical"),
        pytest.param("high", 1, id="a-high-fail"),
        pytest.param("info", 1, id="the-default"),
    ],
)
def test_fail_on_counts_only_fails_at_or_above_it(fail_on: str, code: int) -> None:
    run_code, report = _report(SG_PLAN, "--fail-on", fail_on)
    assert run_code == code
    assert _verdicts(report) == SG_PLAN_VERDICTS
    assert {f["severity"] for f in report["findings"] if f["status"] == "FAIL"} == {"high", "medium"}


def test_unknown_after_apply_and_not_checked_keep_0() -> None:
    """The contract: UNKNOWN because a value is known only after apply, or because the live account is
    not visible (not checked), is no reason to fail the check of a pull request."""
    code, report = _report(MODULE_PLAN)
    assert code == 0
    assert {
        (f["rule"], f["status"], f["resource"]["id"], f.get("unknown_cause")) for f in report["findings"]
    } == {
        ("route53-no-dangling-records", "UNKNOWN", "aws_route53_record.assets", "not-checked"),
        ("s3-no-public-access", "UNKNOWN", "module.web.aws_s3_bucket.site", "known-after-apply"),
    }


@pytest.mark.parametrize(
    ("document", "verdicts"),
    [
        pytest.param(
            # The policy's principal is a role only the transform declares: unknown. A new bucket's
            # default Block Public Access would neutralise any policy, but the template may update an
            # existing stack's bucket, which may have none: UNKNOWN, no FAIL.
            "cloudformation/sam_transform.yaml",
            {("s3-no-public-access", "UNKNOWN", "UploadsBucket")},
            id="an-unknown-policy-on-a-bucket-that-may-be-new",
        ),
        pytest.param(
            "cloudformation/iam_users.yaml",
            {("iam-user-mfa", "MANUAL", "ConsoleUser")},
            id="a-manual-reminder",
        ),
    ],
)
def test_no_fail_exits_0(document: str, verdicts: Verdicts) -> None:
    code, report = _report(document)
    assert code == 0
    assert _verdicts(report) == verdicts


# --- usage problems: exit 2, one line, no traceback ---------------------------------------------------------


def _one_error_line(run: Run) -> str:
    assert run.code == 2
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    [line] = run.stderr.splitlines()
    assert line.startswith("cloudwarden: error: ")
    return line.removeprefix("cloudwarden: error: ")


def test_an_unknown_rule_is_a_usage_problem() -> None:
    line = _one_error_line(_iac(S3_TEMPLATE, "--rule", "s3-no-such-rule"))
    assert line == "unknown rule id(s): s3-no-such-rule (see `cloudwarden rules` for the available rules)"


@pytest.mark.parametrize("rules", [("root-mfa",), ("s3-no-public-access", "root-mfa")])
def test_a_rule_with_nothing_to_judge_in_a_plan_is_a_usage_problem(rules: tuple[str, ...]) -> None:
    line = _one_error_line(_iac(S3_TEMPLATE, *(arg for rule in rules for arg in ("--rule", rule))))
    assert line == (
        "nothing to judge in a plan or template for root-mfa (no infrastructure code configures the "
        "root user): see `cloudwarden rules`"
    )


Maker = Callable[[Path], Path]


def _file(name: str, content: str | bytes) -> Maker:
    def make(directory: Path) -> Path:
        path = directory / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return make


def _plan_edited(edit: Callable[[dict[str, Any]], object]) -> Maker:
    def make(directory: Path) -> Path:
        plan = _module_plan()
        edit(plan)
        return _write_plan(directory / "plan.json", plan)

    return make


def _truncated_plan(directory: Path) -> Path:
    path = directory / "plan.json"
    path.write_text(json.dumps(_module_plan())[:900], encoding="utf-8")
    return path


def _fifo(directory: Path) -> Path:
    path = directory / "template.yaml"
    os.mkfifo(path)
    return path


def _empty_directory(directory: Path) -> Path:
    (directory / "infra").mkdir()
    (directory / "infra" / "README.md").write_text("# infrastructure\n", encoding="utf-8")
    (directory / "infra" / "package.json").write_text('{"name": "site"}', encoding="utf-8")
    return directory / "infra"


def _billion_laughs() -> str:
    """The classic entity expansion, in YAML anchors and aliases: nine levels of nine references."""
    lines = ['  a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"  a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]" for level in range(1, 9)]
    return "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\nMetadata:\n" + "\n".join(lines) + "\n"


DEEP = 10_000
TEMPLATE_HEAD = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n"


def _huge_template(directory: Path) -> Path:
    """A valid template grown past 64 MiB by a comment: 70 MiB."""
    path = directory / "huge.yaml"
    with path.open("w", encoding="utf-8") as out:
        out.write(TEMPLATE_HEAD + "      BucketName: huge\n")
        line = "# " + "x" * 1021 + "\n"
        for _ in range(70 * 1024):
            out.write(line)
    assert path.stat().st_size > 70 * 1024 * 1024
    return path


def _set(plan: dict[str, Any], path: tuple[str | int, ...], value: object) -> None:
    target: Any = plan
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


HOSTILE: list[Any] = [
    pytest.param(_file("notes.yaml", "title: release notes\n"), "neither a Terraform plan", id="neither"),
    pytest.param(_file("package.json", '{"name": "site"}'), "neither a Terraform plan", id="neither-json"),
    pytest.param(
        _plan_edited(lambda plan: plan.update(format_version="2.0")),
        "format_version: '2.0' is not a plan format 1.x",
        id="plan-format-2",
    ),
    pytest.param(
        _plan_edited(lambda plan: plan.update(format_version=1.2)),
        "format_version",
        id="plan-format-a-number",
    ),
    pytest.param(
        _plan_edited(lambda plan: plan["resource_changes"].append("aws_s3_bucket.logs")),
        "resource_changes[2]: expected an object, found a string",
        id="a-change-that-is-not-an-object",
    ),
    pytest.param(
        _plan_edited(lambda plan: _set(plan, ("resource_changes", 0, "change", "after_unknown"), [True])),
        "resource_changes[0].change.after_unknown: expected an object",
        id="after-unknown-a-list",
    ),
    pytest.param(_truncated_plan, "not valid JSON", id="truncated-plan"),
    pytest.param(
        _file("plan.out", b"PK\x03\x04" + bytes(200)),
        "a binary Terraform plan: give the output of `terraform show -json PLAN`",
        id="binary-plan",
    ),
    pytest.param(
        _file(
            "terraform.tfstate",
            json.dumps(
                {
                    "version": 4,
                    "terraform_version": "1.9.8",
                    "serial": 3,
                    "lineage": "3f1c0e2a-5b7d-4c1e-9a8b-0d2e4f6a8c1b",
                    "outputs": {},
                    "resources": [],
                    "check_results": None,
                }
            ),
        ),
        "a Terraform state, not a plan",
        id="state-file",
    ),
    pytest.param(
        _file(
            "state.json",
            json.dumps(
                {"format_version": "1.0", "terraform_version": "1.9.8", "values": {"root_module": {}}}
            ),
        ),
        "a Terraform state, not a plan",
        id="state-shown-as-json",
    ),
    pytest.param(_fifo, "not a regular file (a FIFO)", id="fifo"),
    pytest.param(
        _file("latin1.yaml", (TEMPLATE_HEAD + "      BucketName: caf\xe9\n").encode("latin-1")),
        "is not UTF-8",
        id="not-utf8",
    ),
    pytest.param(_file("laughs.yaml", _billion_laughs()), "a YAML alias", id="billion-laughs"),
    pytest.param(
        _file("deep.yaml", TEMPLATE_HEAD + "      Tags: " + "[" * DEEP + "]" * DEEP + "\n"),
        "nested too deeply to be read",
        id="deep-yaml",
    ),
    pytest.param(
        _file(
            "deep.json",
            '{"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"Tags": '
            + "[" * DEEP
            + "]" * DEEP
            + "}}}}",
        ),
        "nested too deeply to be read",
        id="deep-json",
    ),
    pytest.param(
        _file(
            "deep_block.yaml",
            TEMPLATE_HEAD + "".join(" " * (6 + level) + f"k{level}:\n" for level in range(DEEP)),
        ),
        "nested too deeply to be read",
        id="deep-yaml-block",
    ),
    pytest.param(_huge_template, "larger than 64 MiB", id="70-MiB"),
    pytest.param(
        _empty_directory, "no Terraform plan (JSON) or CloudFormation template found in it", id="dir"
    ),
    pytest.param(lambda directory: directory / "absent.json", "no such file or directory", id="missing"),
]


@pytest.mark.parametrize(("make", "problem"), HOSTILE)
def test_a_bad_input_is_one_line_naming_the_file_and_the_problem(
    tmp_path: Path, make: Maker, problem: str
) -> None:
    path = make(tmp_path)
    line = _one_error_line(_iac(path, "--format", "json"))
    assert line.startswith(f"{path}: ")
    assert problem in line


def test_the_problem_is_said_without_debug_and_the_same_with_it(tmp_path: Path) -> None:
    path = _file("notes.yaml", "title: release notes\n")(tmp_path)
    plain = _iac(path)
    assert _one_error_line(plain).startswith(f"{path}: line 1: neither a Terraform plan")
    assert _iac("--debug", path) == plain


MALFORMED = sorted((FIXTURES / "cloudformation" / "malformed").iterdir())


@pytest.mark.parametrize("template", MALFORMED, ids=[path.name for path in MALFORMED])
def test_every_malformed_template_is_one_line_naming_it(template: Path) -> None:
    relative = template.relative_to(FIXTURES)
    line = _one_error_line(_iac(relative))
    assert line.startswith(f"{relative}: line ")


def test_one_bad_file_among_good_ones_stops_the_run(tmp_path: Path) -> None:
    """A pull-request check must not pass because a broken file was skipped."""
    broken = _file("broken.yaml", TEMPLATE_HEAD + "  Oops: [\n")(tmp_path)
    line = _one_error_line(_iac(S3_TEMPLATE, broken, SG_PLAN))
    assert line.startswith(f"{broken}: ")


# --- every format, and where findings point -----------------------------------------------------------------

EXTENSIONS = {
    "terminal": "txt",
    "json": "json",
    "html": "html",
    "sarif": "sarif",
    "ocsf": "ocsf.json",
    "asff": "asff.json",
    "junit": "junit.xml",
    "csv": "csv",
}


def test_every_format_is_written_to_the_output_directory(tmp_path: Path) -> None:
    output = tmp_path / "reports"
    formats = [arg for name in EXTENSIONS for arg in ("--format", name)]
    run = _iac(S3_TEMPLATE, SG_PLAN, *formats, "--output", output)
    assert (run.code, run.stdout, run.stderr) == (1, "", "")
    assert sorted(path.name for path in output.iterdir()) == sorted(
        f"cloudwarden.{extension}" for extension in EXTENSIONS.values()
    )
    located = {"SiteBucket": f"{S3_TEMPLATE}:4", "aws_security_group.web": SG_PLAN}

    terminal = (output / "cloudwarden.txt").read_text(encoding="utf-8")
    assert f"SiteBucket (cw-site-bucket) at {S3_TEMPLATE}:4: anyone can read" in terminal

    report = json.loads((output / "cloudwarden.json").read_text(encoding="utf-8"))
    assert _verdicts(report) == S3_TEMPLATE_VERDICTS | SG_PLAN_VERDICTS

    html = (output / "cloudwarden.html").read_text(encoding="utf-8")
    assert all(where in html for where in located.values())

    sarif = json.loads((output / "cloudwarden.sarif").read_text(encoding="utf-8"))
    assert len(sarif["runs"][0]["results"]) == 4  # the FAILs: PASS findings are no SARIF results

    ocsf = json.loads((output / "cloudwarden.ocsf.json").read_text(encoding="utf-8"))
    assert {json.dumps(event["unmapped"]["location"], sort_keys=True) for event in ocsf} == {
        json.dumps({"file": S3_TEMPLATE, "line": line}, sort_keys=True) for line in (4, 31, 64)
    } | {json.dumps({"file": SG_PLAN}, sort_keys=True)}

    asff = json.loads((output / "cloudwarden.asff.json").read_text(encoding="utf-8"))
    assert {finding["ProductFields"]["cloudwarden/location"] for finding in asff} == {
        f"{S3_TEMPLATE}:4",
        f"{S3_TEMPLATE}:31",
        f"{S3_TEMPLATE}:64",
        SG_PLAN,
    }

    junit = ET.parse(output / "cloudwarden.junit.xml").getroot()
    cases = [
        (case.get("classname"), case.get("file"), case.get("line"), case.find("failure") is not None)
        for case in junit.iter("testcase")
    ]
    assert sorted(cases, key=str) == sorted(
        [
            ("s3-no-public-access", S3_TEMPLATE, "4", True),
            ("s3-no-public-access", S3_TEMPLATE, "31", False),
            ("s3-no-public-access", S3_TEMPLATE, "64", False),
            *((rule, SG_PLAN, None, status == "FAIL") for rule, status, _ in SG_PLAN_VERDICTS),
        ],
        key=str,
    )

    rows = (output / "cloudwarden.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0].endswith(",location")
    assert {row.rsplit(",", 1)[1] for row in rows[1:]} == {
        f"{S3_TEMPLATE}:4",
        f"{S3_TEMPLATE}:31",
        f"{S3_TEMPLATE}:64",
        SG_PLAN,
    }


@pytest.mark.parametrize("name", list(EXTENSIONS))
def test_each_format_alone_writes_its_file(tmp_path: Path, name: str) -> None:
    target = tmp_path / f"report.{EXTENSIONS[name]}"
    run = _iac(S3_TEMPLATE, "--format", name, "--output", target)
    assert (run.code, run.stdout, run.stderr) == (1, "", "")
    assert "SiteBucket" in target.read_text(encoding="utf-8")


def test_json_findings_name_the_address_and_point_at_the_code() -> None:
    _, report = _report(S3_TEMPLATE, MODULE_PLAN)
    assert report["scan"]["accounts"] == [S3_TEMPLATE, MODULE_PLAN]
    site = _finding(report, "s3-no-public-access", "SiteBucket")
    assert site["account"] == S3_TEMPLATE
    assert site["resource"] == {
        "type": "AWS::S3::Bucket",
        "id": "SiteBucket",
        "arn": "arn:aws:s3:::cw-site-bucket",
        "name": "cw-site-bucket",
    }
    assert site["location"] == {"file": S3_TEMPLATE, "line": 4}
    assert site["evidence"]["iac"]["address"] == "SiteBucket"
    assert site["evidence"]["iac"]["attached"] == ["SitePolicy"]
    assert site["id"] == finding_id("s3-no-public-access", S3_TEMPLATE, "SiteBucket")

    bucket = _finding(report, "s3-no-public-access", "module.web.aws_s3_bucket.site")
    assert bucket["account"] == MODULE_PLAN
    assert bucket["location"] == {"file": MODULE_PLAN, "line": None}
    assert bucket["evidence"]["iac"]["address"] == "module.web.aws_s3_bucket.site"
    assert bucket["evidence"]["iac"]["attached"] == [
        "module.web.aws_s3_bucket_policy.site",
        "module.web.aws_s3_bucket_public_access_block.site",
    ]
    assert "Object Ownership: none in the configuration" in " ".join(bucket["evidence"]["iac"]["assumed"])
    assert bucket["id"] == finding_id("s3-no-public-access", MODULE_PLAN, "module.web.aws_s3_bucket.site")


def test_finding_ids_are_stable_across_runs() -> None:
    first = _report(S3_TEMPLATE, SG_PLAN)[1]["findings"]
    second = _report(S3_TEMPLATE, SG_PLAN)[1]["findings"]
    ids = [finding["id"] for finding in first]
    assert ids == [finding["id"] for finding in second]
    assert len(set(ids)) == len(ids)
    assert set(ids) == {finding_id(f["rule"], f["account"], f["resource"]["id"]) for f in first}


def _artifact(uri: str, line: int | None = None) -> str:
    location: dict[str, Any] = {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}}
    if line is not None:
        location["region"] = {"startLine": line}
    return json.dumps(location, sort_keys=True)


def test_sarif_results_point_at_the_file_and_the_template_line() -> None:
    """PASS findings are no SARIF results; FAIL and UNKNOWN are, each at its file (and line)."""
    run = _iac(S3_TEMPLATE, SG_PLAN, MODULE_PLAN, "--format", "sarif")
    assert run.code == 1
    results = json.loads(run.stdout)["runs"][0]["results"]
    assert {
        (
            result["ruleId"],
            result["kind"],
            result["locations"][0]["logicalLocations"][0]["name"],
            json.dumps(result["locations"][0]["physicalLocation"], sort_keys=True),
        )
        for result in results
    } == {
        ("s3-no-public-access", "fail", "SiteBucket", _artifact(S3_TEMPLATE, 4)),
        ("sg-minimal-inbound", "fail", "aws_security_group.web", _artifact(SG_PLAN)),
        ("sg-egress-via-nsm-only", "fail", "aws_security_group.lb", _artifact(SG_PLAN)),
        ("sg-egress-via-nsm-only", "fail", "aws_security_group.web", _artifact(SG_PLAN)),
        ("route53-no-dangling-records", "review", "aws_route53_record.assets", _artifact(MODULE_PLAN)),
        ("s3-no-public-access", "review", "module.web.aws_s3_bucket.site", _artifact(MODULE_PLAN)),
    }
    assert len(results) == 6


EGRESS = "All traffic to 0.0.0.0/0 (no security_groups.internet_egress_groups configured)"


def test_the_terminal_names_the_address_and_file_line_once() -> None:
    run = _iac(S3_TEMPLATE, SG_PLAN)
    assert run.code == 1
    lines = [line for line in run.stdout.splitlines() if line.startswith("  FAIL ")]
    assert lines == [
        f"  FAIL       critical SiteBucket (cw-site-bucket) at {S3_TEMPLATE}:4: anyone can read, list "
        "through its policy (statement 0 ('PublicRead')) and its ACL",
        f"  FAIL       high     aws_security_group.web (us-east-1) at {SG_PLAN}: inbound rules too broad: "
        "TCP 22 from 0.0.0.0/0 (open to the world on a port that is not public); rules toward unknown peers "
        "may allow more: aws_security_group_rule.web_from_vpc.cidr_blocks[0] is known only after apply",
        f"  FAIL       medium   aws_security_group.lb (us-east-1) at {SG_PLAN}: outbound internet access "
        f"outside the NSM proxy: {EGRESS}",
        f"  FAIL       medium   aws_security_group.web (us-east-1) at {SG_PLAN}: outbound internet access "
        f"outside the NSM proxy: {EGRESS}",
    ]
    assert "(unknown)" not in run.stdout


# --- configuration: suppressions, attestations, --rule, --framework -----------------------------------------


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cloudwarden.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_suppression_matches_the_address(tmp_path: Path) -> None:
    plan = _write_plan(tmp_path / "plan.json", _module_plan())
    config = _config(
        tmp_path,
        "suppressions:\n"
        "  - rule: sg-minimal-inbound\n"
        '    resource: "module.web.*"\n'
        '    reason: "web servers take SSH from the VPN only, reviewed"\n'
        "    expires: 2099-12-31\n",
    )
    code, report = _report(plan, "--config", config)
    assert code == 1  # the root module's group still FAILs
    suppressed = ("sg-minimal-inbound", "FAIL", "module.web.aws_security_group.web")
    assert _verdicts(report) == (MODULE_PLAN_VERDICTS - {suppressed}) | {
        ("sg-minimal-inbound", "SUPPRESSED", "module.web.aws_security_group.web")
    }
    web = _finding(report, "sg-minimal-inbound", "module.web.aws_security_group.web")
    assert web["suppression"] == {
        "reason": "web servers take SSH from the VPN only, reviewed",
        "expires": "2099-12-31",
        "status_underneath": "FAIL",
    }
    assert report["scan"]["warnings"] == []


def test_suppressing_every_fail_exits_0(tmp_path: Path) -> None:
    plan = _write_plan(tmp_path / "plan.json", _module_plan())
    config = _config(
        tmp_path,
        "suppressions:\n"
        "  - rule: sg-minimal-inbound\n"
        '    resource: "*aws_security_group.*"\n'
        "    reason: bastions\n"
        "    expires: 2099-12-31\n",
    )
    code, report = _report(plan, "--config", config)
    assert code == 0
    assert {f["resource"]["id"] for f in report["findings"] if f["status"] == "SUPPRESSED"} == {
        "aws_security_group.admin",
        "module.web.aws_security_group.web",
    }


def test_a_suppression_of_a_snapshot_id_matches_nothing_and_says_so(tmp_path: Path) -> None:
    """Users write the address; the id AWS would give the bucket is not what `iac` findings carry."""
    config = _config(
        tmp_path,
        "suppressions:\n"
        "  - rule: s3-no-public-access\n"
        '    resource: "SiteBucket"\n'
        "    reason: the public site\n"
        "    expires: 2099-12-31\n",
    )
    code, report = _report(S3_TEMPLATE, "--config", config)
    assert code == 0
    assert _verdicts(report) == (S3_TEMPLATE_VERDICTS - {("s3-no-public-access", "FAIL", "SiteBucket")}) | {
        ("s3-no-public-access", "SUPPRESSED", "SiteBucket")
    }


def test_an_attestation_of_an_account_leaves_a_documents_reminder_manual(tmp_path: Path) -> None:
    """An attestation is for an AWS account; a document's findings belong to the document (its path),
    so the reminder that the user created there must enrol MFA stays MANUAL."""
    config = _config(
        tmp_path,
        "attestations:\n"
        "  - rule: iam-user-mfa\n"
        '    account: "123456789012"\n'
        "    by: secops\n"
        "    date: 2026-01-05\n"
        "    expires: 2099-01-05\n",
    )
    code, report = _report("cloudformation/iam_users.yaml", "--config", config)
    assert code == 0
    assert _verdicts(report) == {("iam-user-mfa", "MANUAL", "ConsoleUser")}


def test_an_invalid_configuration_is_a_usage_problem(tmp_path: Path) -> None:
    config = _config(tmp_path, "suppressions:\n  - rule: s3-no-public-access\n    resource: x\n")
    line = _one_error_line(_iac(S3_TEMPLATE, "--config", config))
    assert str(config) in line


def test_rule_narrows_the_run() -> None:
    code, report = _report(SG_PLAN, "--rule", "sg-minimal-inbound")
    assert code == 1
    assert _verdicts(report) == {v for v in SG_PLAN_VERDICTS if v[0] == "sg-minimal-inbound"}
    code, report = _report(SG_PLAN, "--rule", "sg-no-internal-all-ports")
    assert code == 0
    assert _verdicts(report) == {v for v in SG_PLAN_VERDICTS if v[0] == "sg-no-internal-all-ports"}


def test_the_framework_view_of_a_template() -> None:
    run = _iac(S3_TEMPLATE, "--framework", "cis-aws-foundations-5.0.0", "--format", "json")
    assert (run.code, run.stderr) == (1, "")
    view = json.loads(run.stdout)
    assert view["schema"] == "cloudwarden.framework/1"
    assert view["framework"]["id"] == "cis-aws-foundations-5.0.0"
    [control] = [control for control in view["controls"] if control["id"] == "2.1.4"]
    assert control["status"] == "FAIL"
    terminal = _iac(S3_TEMPLATE, "--framework", "cis-aws-foundations-5.0.0")
    assert terminal.code == 1
    assert f"SiteBucket (cw-site-bucket) at {S3_TEMPLATE}:4: " in terminal.stdout


def test_an_unknown_framework_is_a_usage_problem() -> None:
    line = _one_error_line(_iac(S3_TEMPLATE, "--framework", "cis-aws-foundations-0.1"))
    assert "cis-aws-foundations-0.1" in line


# --- warnings -----------------------------------------------------------------------------------------------

FOREIGN_POLICY = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  OtherPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: bucket-of-another-stack
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: arn:aws:s3:::bucket-of-another-stack/*
  OwnBucket:
    Type: AWS::S3::Bucket
"""


def test_a_policy_on_a_bucket_outside_the_document_is_a_warning(tmp_path: Path) -> None:
    template = _file("stack.yaml", FOREIGN_POLICY)(tmp_path)
    code, report = _report(template)
    assert code == 0
    assert _verdicts(report) == {("s3-no-public-access", "PASS", "OwnBucket")}
    [warning] = report["scan"]["warnings"]
    assert "OtherPolicy" in warning
    assert "bucket-of-another-stack" in warning
    assert str(template) in warning
    terminal = _iac(template)
    assert terminal.stdout.splitlines()[-1] == f"warning: {warning}"


def test_a_documents_own_note_is_a_warning() -> None:
    """A SAM template's transform is not expanded: said, not silently ignored."""
    _, report = _report("cloudformation/sam_transform.yaml")
    [warning] = report["scan"]["warnings"]
    assert warning.startswith("cloudformation/sam_transform.yaml: Transform AWS::Serverless-2016-10-31")


# --- no AWS -------------------------------------------------------------------------------------------------


def test_no_aws_call_and_no_credentials_needed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://192.0.2.1:9")  # TEST-NET-1: routes nowhere
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "absent-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "absent-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("no network in the unit tier")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    code, report = _report(S3_TEMPLATE, SG_PLAN, MODULE_PLAN)
    assert attempts == []
    assert code == 1
    assert report["scan"]["errors"] == []
    assert _verdicts(report) == S3_TEMPLATE_VERDICTS | SG_PLAN_VERDICTS | {
        ("route53-no-dangling-records", "UNKNOWN", "aws_route53_record.assets"),
        ("s3-no-public-access", "UNKNOWN", "module.web.aws_s3_bucket.site"),
    }


# --- known defect -----------------------------------------------------------------------------------------


def _public_policy_through_each_value(directory: Path) -> Path:
    """`terraform/count_for_each.json` with `aws_s3_bucket.logs["app"]`'s Block Public Access all off and
    a public policy written in the common idiom `for_each = aws_s3_bucket.logs`, `bucket = each.value.id`
    (the configuration lists `each.value.id`, `each.value`; the plan marks `bucket` after_unknown)."""
    plan = json.loads((FIXTURES / "terraform" / "count_for_each.json").read_text(encoding="utf-8"))
    block = 'aws_s3_bucket_public_access_block.logs["app"]'
    off = dict.fromkeys(
        ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"), False
    )
    [change] = [r for r in plan["resource_changes"] if r["address"] == block]
    change["change"]["after"].update(off)
    [planned] = [r for r in plan["planned_values"]["root_module"]["resources"] if r["address"] == block]
    planned["values"].update(off)
    [configured] = [
        r
        for r in plan["configuration"]["root_module"]["resources"]
        if r["address"] == "aws_s3_bucket_public_access_block.logs"
    ]
    configured["expressions"].update({name: {"references": ["each.value"]} for name in off})
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::example-logs-app/*",
                }
            ],
        }
    )
    for key in ("app", "audit"):
        common = {
            "address": f'aws_s3_bucket_policy.logs["{key}"]',
            "mode": "managed",
            "type": "aws_s3_bucket_policy",
            "name": "logs",
            "index": key,
            "provider_name": PROVIDER,
        }
        plan["planned_values"]["root_module"]["resources"].append(
            {**common, "schema_version": 0, "values": {"policy": policy}, "sensitive_values": {}}
        )
        plan["resource_changes"].append(
            {
                **common,
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": {"policy": policy},
                    "after_unknown": {"bucket": True, "id": True},
                    "before_sensitive": False,
                    "after_sensitive": {},
                },
            }
        )
    plan["configuration"]["root_module"]["resources"].append(
        {
            "address": "aws_s3_bucket_policy.logs",
            "mode": "managed",
            "type": "aws_s3_bucket_policy",
            "name": "logs",
            "provider_config_key": "aws",
            "expressions": {
                "bucket": {"references": ["each.value.id", "each.value"]},
                "policy": {"constant_value": policy},
            },
            "schema_version": 0,
            "for_each_expression": {"references": ["aws_s3_bucket.logs"]},
        }
    )
    return _write_plan(directory / "plan.json", plan)


PARAMETER_NAMED = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Name:
    Type: String
Resources:
  Site:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Ref Name
      PublicAccessBlockConfiguration:
        BlockPublicPolicy: false
        RestrictPublicBuckets: false
  SitePolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Name
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: !Sub arn:aws:s3:::${Name}/*
"""
"""A bucket named by a parameter without default, and its public policy naming the bucket by the same
parameter (not `!Ref Site`): the policy may well be the bucket's."""


def test_a_public_policy_linked_through_each_value_fails_its_bucket(tmp_path: Path) -> None:
    """`for_each = aws_s3_bucket.logs`, `bucket = each.value.id`: the policy of "app" is the policy of
    `aws_s3_bucket.logs["app"]`, whose block is off: FAIL. "audit" keeps its block on: PASS."""
    code, report = _report(_public_policy_through_each_value(tmp_path), "--rule", "s3-no-public-access")
    assert code == 1
    assert _verdicts(report) == {
        ("s3-no-public-access", "PASS", "aws_s3_bucket.data[0]"),
        ("s3-no-public-access", "PASS", "aws_s3_bucket.data[1]"),
        ("s3-no-public-access", "FAIL", 'aws_s3_bucket.logs["app"]'),
        ("s3-no-public-access", "PASS", 'aws_s3_bucket.logs["audit"]'),
    }
    iac = _finding(report, "s3-no-public-access", 'aws_s3_bucket.logs["app"]')["evidence"]["iac"]
    assert 'aws_s3_bucket_policy.logs["app"]' in iac["attached"]


def test_a_public_policy_whose_bucket_is_a_parameter_is_unknown_on_every_bucket(tmp_path: Path) -> None:
    """`Bucket: !Ref Name` (no default) may name `Site`, whose block lets a public policy through: the
    policy of `Site` is unknown, naming `SitePolicy`; never a PASS."""
    code, report = _report(_file("stack.yaml", PARAMETER_NAMED)(tmp_path), "--rule", "s3-no-public-access")
    assert code == 0
    assert _verdicts(report) == {("s3-no-public-access", "UNKNOWN", "Site")}
    finding = _finding(report, "s3-no-public-access", "Site")
    assert finding["unknown_cause"] == "known-after-apply"
    assert "it may be SitePolicy's, whose bucket is known only after apply" in finding["message"]
    assert "SitePolicy.Bucket" in finding["message"]


def test_a_directory_is_searched_and_each_document_is_an_account() -> None:
    code, report = _report("terraform")
    assert code == 1
    assert report["scan"]["accounts"] == [
        f"terraform/{name}.json"
        for name in ("actions", "count_for_each", "module_web", "multi_provider", "security_groups")
    ]
    assert {f["account"] for f in report["findings"]} == set(report["scan"]["accounts"])


def test_a_directory_holding_a_malformed_template_is_refused() -> None:
    """`cloudformation/` holds `malformed/`: a check pointed at it must not pass on the good ones."""
    line = _one_error_line(_iac("cloudformation"))
    assert line.startswith("cloudformation/malformed/alias.yaml: line 4: a YAML alias")


def test_help_lists_the_options() -> None:
    result = CliRunner().invoke(app, ["iac", "--help"], catch_exceptions=False, terminal_width=200)
    assert result.exit_code == 0
    for option in ("--config", "--rule", "--format", "--output", "--fail-on", "--framework", "--debug"):
        assert option in result.stdout


# --- a template that may update an existing stack, conditions, malformed values ----------------------------

PUBLIC_BUCKET_POLICY = """\
  SitePolicy:
    Type: AWS::S3::BucketPolicy
{condition}    Properties:
      Bucket: !Ref Site
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: !Sub "${{Site.Arn}}/*"
"""


def _template(tmp_path: Path, bucket_properties: str, condition: str = "") -> Path:
    text = (
        "Parameters:\n  Env: {Type: String}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\n"
        "Resources:\n  Site:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: legacy-site\n"
        + bucket_properties
        + PUBLIC_BUCKET_POLICY.format(condition=condition)
    )
    path = tmp_path / "site.yaml"
    path.write_text(text, encoding="utf-8")
    return path


OPEN_BLOCK = (
    "      PublicAccessBlockConfiguration:\n        BlockPublicAcls: false\n        IgnorePublicAcls: false\n"
    "        BlockPublicPolicy: false\n        RestrictPublicBuckets: false\n"
)


@pytest.mark.parametrize(
    ("properties", "condition", "status", "cause", "code"),
    [
        pytest.param("", "", "UNKNOWN", "not-checked", 0, id="public-policy-block-not-in-the-template"),
        pytest.param(OPEN_BLOCK, "", "FAIL", None, 1, id="public-policy-block-lifted"),
        pytest.param(
            OPEN_BLOCK,
            "    Condition: IsProd\n",
            "UNKNOWN",
            "known-after-apply",
            0,
            id="policy-under-condition",
        ),
        pytest.param(
            OPEN_BLOCK.replace("RestrictPublicBuckets: false", "RestrictPublicBuckets: maybe"),
            "",
            "UNKNOWN",
            "rule-error",
            3,
            id="malformed-flag",
        ),
    ],
)
def test_a_template_bucket_is_judged_as_it_may_be_deployed(
    tmp_path: Path, properties: str, condition: str, status: str, cause: str | None, code: int
) -> None:
    run = _iac(_template(tmp_path, properties, condition), "--format", "json")
    assert run.code == code
    report = json.loads(run.stdout)
    assert _verdicts(report) == {("s3-no-public-access", status, "Site")}
    assert _finding(report, "s3-no-public-access", "Site").get("unknown_cause") == cause


# --- one file, one name -------------------------------------------------------------------------------------


def _ids_and_files(*args: str | Path) -> set[tuple[str, str, str, str]]:
    code, report = _report(*args)
    assert code == 1
    return {(f["id"], f["account"], f["resource"]["id"], f["location"]["file"]) for f in report["findings"]}


def test_a_file_has_one_name_however_it_is_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative to the current directory when inside it, so the same file gives the same account,
    finding ids and locations, whether named relatively, with `./`, absolutely or through its directory."""
    (tmp_path / "infra").mkdir()
    template = tmp_path / "infra" / "site.yaml"
    template.write_text((FIXTURES / S3_TEMPLATE).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    expected = _ids_and_files("infra/site.yaml")
    assert {file for *_, file in expected} == {"infra/site.yaml"}
    assert {account for _, account, *_ in expected} == {"infra/site.yaml"}
    for given in ("./infra/site.yaml", template, "infra/../infra/site.yaml", "infra"):
        assert _ids_and_files(given) == expected, given


def test_a_file_outside_the_current_directory_is_named_by_its_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "infra").mkdir()
    (tmp_path / "elsewhere").mkdir()
    template = tmp_path / "infra" / "site.yaml"
    template.write_text((FIXTURES / S3_TEMPLATE).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path / "elsewhere")
    found = _ids_and_files("../infra/site.yaml")
    assert {file for *_, file in found} == {template.resolve().as_posix()}
    assert _ids_and_files(template) == found
