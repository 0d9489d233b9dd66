"""OCSF: each event parses as a Compliance Finding of py-ocsf-models (Prowler's OCSF models), unchanged.

The models ignore attributes they do not know, so each event is also compared with what the model
parsed from it: a misspelled or mistyped attribute shows up as a difference. The attributes of OCSF
1.5.0 that the models lack are listed in UNMODELLED and checked on their own.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from py_ocsf_models.events.findings.compliance_finding import (  # type: ignore[import-untyped]
    ComplianceFinding,
)
from py_ocsf_models.objects.cloud import Cloud  # type: ignore[import-untyped]
from pydantic import BaseModel

from cloudwarden.findings import ComplianceRef, Report, Status
from cloudwarden.report.ocsf import OCSF_VERSION, render_ocsf
from cloudwarden.ruledoc import RuleDoc
from cloudwarden.rules import RULES as REAL_RULES

from .sample import ACCOUNT_A, CATALOGUE, HOSTILE, sample_report

UNMODELLED = {"cloud", "compliance.status", "compliance.status_code", "compliance.status_details"}
"""OCSF 1.5.0 attributes py-ocsf-models 0.10 has no field for: the cloud profile's `cloud` on a
Compliance Finding, and the compliance object's status caption, code and details."""


def _events(report: Report, rules: tuple[RuleDoc, ...]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads(render_ocsf(report, rules, CATALOGUE))
    return events


def _unmodelled(model: BaseModel, data: dict[str, Any], path: str = "") -> set[str]:
    """The keys of `data` (dotted paths) that `model`, parsed from it, has no field for."""
    found: set[str] = set()
    for key, value in data.items():
        where = f"{path}{key}"
        if key not in type(model).model_fields:
            found.add(where)
            continue
        attribute = getattr(model, key)
        if isinstance(attribute, BaseModel):
            found |= _unmodelled(attribute, value, f"{where}.")
        elif isinstance(attribute, list):
            for item_model, item in zip(attribute, value, strict=True):
                if isinstance(item_model, BaseModel):
                    found |= _unmodelled(item_model, item, f"{where}.")
    return found


def _without(data: dict[str, Any], paths: set[str]) -> dict[str, Any]:
    kept = {key: value for key, value in data.items() if key not in paths}
    for key, value in kept.items():
        inner = {path.removeprefix(f"{key}.") for path in paths if path.startswith(f"{key}.")}
        if inner and isinstance(value, dict):
            kept[key] = _without(value, inner)
    return kept


def _check(event: dict[str, Any]) -> None:
    finding = ComplianceFinding.model_validate(event)
    unmodelled = _unmodelled(finding, event)
    assert unmodelled <= UNMODELLED
    assert finding.model_dump(mode="json", exclude_none=True) == _without(event, unmodelled)
    cloud = Cloud.model_validate(event["cloud"])
    assert not _unmodelled(cloud, event["cloud"])
    assert cloud.model_dump(mode="json", exclude_none=True) == event["cloud"]
    compliance = event["compliance"]
    assert isinstance(compliance["status"], str)
    assert isinstance(compliance["status_code"], str)
    assert all(isinstance(detail, str) for detail in compliance.get("status_details", []))


def test_every_event_is_a_valid_compliance_finding(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    events = _events(report, rules)
    assert len(events) == len(report.findings)
    for event in events:
        _check(event)


def test_events_with_the_real_rules_are_valid() -> None:
    """With the real catalogue too (`compliance/mapping.json`)."""
    for event in json.loads(render_ocsf(sample_report(), REAL_RULES)):
        _check(event)


def test_the_check_rejects_a_misnamed_attribute(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    event = _events(report, rules)[0]
    event["finding_info"]["description"] = event["finding_info"].pop("desc")
    with pytest.raises(AssertionError):
        _check(event)


def test_the_check_rejects_a_mistyped_value(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    event = _events(report, rules)[0]
    event["severity_id"] = "5"
    with pytest.raises(AssertionError):
        _check(event)


def test_the_class_and_activity(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    for event in _events(report, rules):
        assert (event["category_uid"], event["class_uid"], event["activity_id"], event["type_uid"]) == (
            2,
            2003,
            1,
            200301,
        )
        assert event["metadata"]["version"] == OCSF_VERSION
        assert event["metadata"]["product"] == {
            "name": "cloudwarden",
            "vendor_name": "cloudwarden",
            "version": "1.2.3",
        }
        assert event["time"] == 1749988800000


def test_statuses_and_severities(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    rows = [
        (
            event["status_code"],
            event["status_id"],
            event["status"],
            event["compliance"]["status_id"],
            event["compliance"]["status"],
            event["severity_id"],
            event["severity"],
        )
        for event in _events(report, rules)
    ]
    assert rows == [
        ("FAIL", 1, "New", 3, "Fail", 5, "Critical"),
        ("PASS", 1, "New", 1, "Pass", 5, "Critical"),
        ("MANUAL", 1, "New", 2, "Warning", 4, "High"),
        ("FAIL", 1, "New", 3, "Fail", 4, "High"),
        ("SUPPRESSED", 3, "Suppressed", 3, "Fail", 3, "Medium"),
        ("FAIL", 1, "New", 3, "Fail", 4, "High"),
        ("UNKNOWN", 1, "New", 2, "Warning", 5, "Critical"),
        ("FAIL", 1, "New", 3, "Fail", 2, "Low"),
        ("FAIL", 1, "New", 3, "Fail", 4, "High"),
        ("PASS", 1, "New", 1, "Pass", 5, "Critical"),
        ("PASS", 1, "New", 1, "Pass", 3, "Medium"),
        ("FAIL", 1, "New", 3, "Fail", 3, "Medium"),
    ]


def test_a_suppressed_finding_says_why(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    (event,) = [event for event in _events(report, rules) if event["status_code"] == Status.SUPPRESSED]
    reason = "suppressed until 2027-03-31: CI users move to OIDC roles in Q1"
    assert event["status_detail"] == reason
    assert event["compliance"]["status_details"] == [reason]
    assert event["unmapped"]["suppression"] == {
        "reason": "CI users move to OIDC roles in Q1",
        "expires": "2027-03-31",
        "status_underneath": "FAIL",
    }


def test_the_finding_its_rule_and_its_resource(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    event = _events(report, rules)[-1]
    assert event["finding_info"] == {
        "uid": report.findings[-1].id,
        "title": "Security Groups: Minimal inbound access",
        "desc": "tcp 22 is open to 0.0.0.0/0",
        "types": ["Software and Configuration Checks/AWS Security Best Practices"],
    }
    assert event["compliance"] == {
        "standards": [
            "Mozilla AWS Security Guidelines",
            "CIS AWS Foundations Benchmark v3.0.0",
            "AWS Foundational Security Best Practices v1.0.0",
        ],
        "category": "Security Groups",
        "control": "Minimal inbound access",
        "requirements": [
            "sg-minimal-inbound",
            "CIS AWS Foundations Benchmark v3.0.0/5.2",
            "CIS AWS Foundations Benchmark v3.0.0/5.3",
            "AWS Foundational Security Best Practices v1.0.0/EC2.19",
        ],
        "status_id": 3,
        "status": "Fail",
        "status_code": "FAIL",
    }
    assert event["resources"] == [
        {
            "uid": "arn:aws:ec2:eu-west-1:222222222222:security-group/sg-0123456789abcdef0",
            "name": "web",
            "type": "AWS::EC2::SecurityGroup",
            "region": "eu-west-1",
            "cloud_partition": "aws",
            "data": {"id": "sg-0123456789abcdef0"},
        }
    ]
    assert event["cloud"] == {
        "provider": "AWS",
        "account": {"uid": "222222222222", "name": "222222222222", "type_id": 10, "type": "AWS Account"},
        "region": "eu-west-1",
    }
    assert event["remediation"] == {"desc": rules[-2].remediation}
    assert event["unmapped"] == {"evidence": report.findings[-1].evidence}


def test_a_resource_without_an_arn_is_named_by_its_id(report: Report, rules: tuple[RuleDoc, ...]) -> None:
    (event,) = [
        event for event in _events(report, rules) if event["metadata"]["event_code"].startswith("route53")
    ]
    assert event["resources"][0]["uid"] == "Z0123456789/old.example.org/CNAME"
    assert event["cloud"]["account"]["uid"] == ACCOUNT_A


def test_a_china_region_is_in_the_china_partition(rules: tuple[RuleDoc, ...]) -> None:
    finding = msgspec.structs.replace(
        HOSTILE,
        region="cn-north-1",
        resource=msgspec.structs.replace(HOSTILE.resource, arn=None),
    )
    (event,) = _events(sample_report((finding,)), rules)
    assert event["resources"][0]["cloud_partition"] == "aws-cn"


def test_a_finding_of_a_rule_not_given_has_no_control(rules: tuple[RuleDoc, ...]) -> None:
    finding = msgspec.structs.replace(HOSTILE, rule="retired-rule", compliance=())
    (event,) = _events(sample_report((finding,)), rules)
    _check(event)
    assert "control" not in event["compliance"]
    assert event["compliance"]["requirements"] == ["retired-rule"]


def test_standards_and_requirements_name_each_framework_and_control(
    report: Report, rules: tuple[RuleDoc, ...]
) -> None:
    compliance = {
        (event["metadata"]["event_code"], event["status_code"]): (
            event["compliance"]["standards"],
            event["compliance"]["requirements"],
        )
        for event in _events(report, rules)
    }
    assert compliance[("root-mfa", "FAIL")] == (
        [
            "Mozilla AWS Security Guidelines",
            "CIS AWS Foundations Benchmark v3.0.0",
            "CIS AWS Foundations Benchmark v5.0.0",
            "AWS Foundational Security Best Practices v1.0.0",
        ],
        [
            "root-mfa",
            "CIS AWS Foundations Benchmark v3.0.0/1.5",
            "CIS AWS Foundations Benchmark v5.0.0/1.4",
            "AWS Foundational Security Best Practices v1.0.0/IAM.6",
        ],
    )
    assert compliance[("route53-no-dangling-records", "FAIL")] == (
        ["Mozilla AWS Security Guidelines"],
        ["route53-no-dangling-records"],
    )


def test_a_framework_the_catalogue_lacks_is_named_by_its_id(rules: tuple[RuleDoc, ...]) -> None:
    finding = msgspec.structs.replace(
        HOSTILE,
        compliance=(ComplianceRef(framework="retired-framework", control="7", relationship="partial"),),
    )
    (event,) = _events(sample_report((finding,)), rules)
    _check(event)
    assert event["compliance"]["standards"] == ["Mozilla AWS Security Guidelines", "retired-framework"]
    assert event["compliance"]["requirements"] == [HOSTILE.rule, "retired-framework/7"]
