"""The framework view: each control's status rolled up over its rules' findings (nothing but every
finding passing is a PASS), and its JSON, terminal and `rules --framework` renderings."""

from __future__ import annotations

import json

import msgspec
import pytest

from cloudwarden.compliance import Catalogue, RuleMapping
from cloudwarden.findings import ComplianceRef, Finding, ScanSummary, Status, ToolInfo
from cloudwarden.report.framework import (
    FRAMEWORK_RULES_SCHEMA,
    FRAMEWORK_SCHEMA,
    ControlStatus,
    FrameworkView,
    UnknownFramework,
    framework_view,
    render_framework_json,
    render_framework_rules_json,
    render_framework_rules_markdown,
    render_framework_rules_terminal,
    render_framework_terminal,
)
from cloudwarden.rules import RULES

from .framework_sample import (
    FINDINGS,
    FRAMEWORK,
    HOSTILE_TITLE,
    OTHER_FRAMEWORK,
    PRODUCTION,
    ROOT_MFA_FAILS_IN_STAGING,
    RULES_RUN,
    STAGING,
    SUPPRESSED_GROUP,
    catalogue,
    finding,
)

FAIL = ControlStatus.FAIL
UNKNOWN = ControlStatus.UNKNOWN
MANUAL = ControlStatus.MANUAL
SUPPRESSED = ControlStatus.SUPPRESSED
NOT_ASSESSED = ControlStatus.NOT_ASSESSED
PASS = ControlStatus.PASS
NO_RESOURCES = ControlStatus.NO_RESOURCES
PARTIALLY_ASSESSED = ControlStatus.PARTIALLY_ASSESSED

SCAN = ScanSummary(
    started_at="2025-06-15T12:00:00+00:00",
    finished_at="2025-06-15T12:01:00+00:00",
    tool=ToolInfo(name="cloudwarden", version="9.9.9"),
    accounts=(PRODUCTION, STAGING),
    regions=("us-east-1",),
    errors=(),
    stats={},
)


def view(
    findings: tuple[Finding, ...] = FINDINGS, rules: tuple[str, ...] = RULES_RUN, framework: str = FRAMEWORK
) -> FrameworkView:
    return framework_view(findings, rules, framework, catalogue())


def view_of(mapping: Catalogue) -> FrameworkView:
    return framework_view(FINDINGS, RULES_RUN, FRAMEWORK, mapping)


def statuses(framework: FrameworkView) -> dict[str, ControlStatus]:
    return {control.control.id: control.status for control in framework.controls}


def test_each_control_takes_the_worst_status_of_its_rules_findings() -> None:
    assert statuses(view()) == {
        "1.1": FAIL,  # one FAIL among PASSes
        "1.2": PASS,  # every finding passes
        "1.3": NOT_ASSESSED,  # no rule maps to it
        "1.4": MANUAL,  # an unattested manual rule
        "1.5": NO_RESOURCES,  # its rule ran and judged nothing
        "2.1": PARTIALLY_ASSESSED,  # every finding passes, but its only rule is partial: not proven
        "3.1": UNKNOWN,  # UNKNOWN only
        "4.1": PASS,  # two rules, both pass
        "4.2": SUPPRESSED,  # an accepted risk is not a PASS
        "9.9": SUPPRESSED,
    }


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        ((Status.PASS, Status.PASS, Status.PASS), PASS),
        ((Status.PASS, Status.FAIL, Status.PASS), FAIL),
        ((Status.UNKNOWN,), UNKNOWN),
        ((Status.PASS, Status.UNKNOWN), UNKNOWN),
        ((Status.UNKNOWN, Status.FAIL), FAIL),
        ((Status.MANUAL, Status.UNKNOWN), UNKNOWN),
        ((Status.PASS, Status.MANUAL), MANUAL),
        ((Status.SUPPRESSED, Status.MANUAL), MANUAL),
        ((Status.PASS, Status.SUPPRESSED), SUPPRESSED),
        ((Status.SUPPRESSED, Status.UNKNOWN), UNKNOWN),
        ((Status.SUPPRESSED, Status.FAIL), FAIL),
        ((), NO_RESOURCES),
    ],
)
def test_the_roll_up_of_one_rules_findings(found: tuple[Status, ...], expected: ControlStatus) -> None:
    findings = tuple(finding("iam-user-mfa", status, f"user-{index}") for index, status in enumerate(found))
    assert statuses(view(findings))["1.2"] is expected


def test_a_control_whose_rules_were_left_out_is_not_assessed_never_pass() -> None:
    only_iam = tuple(f for f in FINDINGS if f.rule == "iam-user-mfa")
    assert statuses(view(only_iam, ("iam-user-mfa",))) == {
        "1.1": NOT_ASSESSED,
        "1.2": PASS,
        "1.3": NOT_ASSESSED,
        "1.4": NOT_ASSESSED,
        "1.5": NOT_ASSESSED,
        "2.1": NOT_ASSESSED,
        "3.1": NOT_ASSESSED,
        "4.1": NOT_ASSESSED,
        "4.2": NOT_ASSESSED,
        "9.9": NOT_ASSESSED,
    }


def test_a_control_with_one_of_its_rules_left_out_passes_only_if_nothing_is_missing() -> None:
    passing = (finding("sg-minimal-inbound", Status.PASS, "sg-1"),)
    control = view(passing, ("sg-minimal-inbound",)).controls[7]
    assert control.control.id == "4.1"
    assert control.status is NOT_ASSESSED
    assert [(rule.rule, rule.evaluated, rule.status) for rule in control.rules] == [
        ("sg-minimal-inbound", True, PASS),
        ("sg-no-internal-all-ports", False, NOT_ASSESSED),
    ]
    failing = (finding("sg-minimal-inbound", Status.FAIL, "sg-1"),)
    assert statuses(view(failing, ("sg-minimal-inbound",)))["4.1"] is FAIL


def test_a_rule_with_nothing_to_judge_does_not_stop_another_rules_pass() -> None:
    findings = (finding("sg-minimal-inbound", Status.PASS, "sg-1"),)
    assert statuses(view(findings, ("sg-minimal-inbound", "sg-no-internal-all-ports")))["4.1"] is PASS
    assert statuses(view((), ("sg-minimal-inbound", "sg-no-internal-all-ports")))["4.1"] is NO_RESOURCES


def test_each_control_lists_its_rules_counts_and_findings_worst_first() -> None:
    root_mfa = view().controls[0]
    assert root_mfa.control.id == "1.1"
    assert root_mfa.coverage == "equivalent"
    assert [(rule.rule, rule.relationship, rule.status) for rule in root_mfa.rules] == [
        ("root-mfa", "equivalent", FAIL)
    ]
    assert root_mfa.counts == {"PASS": 1, "FAIL": 1, "UNKNOWN": 0, "MANUAL": 0, "SUPPRESSED": 0}
    assert [f.account for f in root_mfa.findings] == [STAGING, PRODUCTION]
    assert root_mfa.findings[0] is ROOT_MFA_FAILS_IN_STAGING


def test_coverage_is_partial_only_when_no_rule_answers_the_whole_control() -> None:
    coverage = {control.control.id: control.coverage for control in view().controls}
    assert coverage == {
        "1.1": "equivalent",
        "1.2": "equivalent",
        "1.3": None,
        "1.4": "equivalent",
        "1.5": "equivalent",
        "2.1": "partial",
        "3.1": "partial",
        "4.1": "equivalent",
        "4.2": "equivalent",
        "9.9": "partial",
    }


def test_rules_that_map_to_no_control_of_the_framework_are_coverage_beyond_it() -> None:
    beyond = [(rule.rule, rule.reason, rule.status) for rule in view().beyond]
    assert beyond == [
        ("root-not-used", "no control covers root's recent use", NO_RESOURCES),
        ("route53-no-dangling-records", "no control covers dangling DNS records", FAIL),
    ]


def test_another_framework_sees_only_its_own_controls() -> None:
    other = view(framework=OTHER_FRAMEWORK)
    assert statuses(other) == {"A": FAIL}
    assert [rule.rule for rule in other.beyond] == [rule for rule in RULES_RUN if rule != "root-mfa"]
    assert other.beyond[1].reason == "no control of the framework corresponds"


def test_a_rule_absent_from_the_catalogue_is_beyond_the_framework() -> None:
    findings = (finding("future-rule", Status.PASS, "x"),)
    assert [(r.rule, r.reason) for r in view(findings, ("future-rule",)).beyond] == [
        ("future-rule", "the rule is not in the compliance catalogue")
    ]


def test_a_rule_mapped_only_to_a_control_the_catalogue_does_not_list_is_not_lost() -> None:
    listed = catalogue()
    unlisted_control = RuleMapping(
        rule="route53-no-dangling-records",
        controls=(ComplianceRef(framework=FRAMEWORK, control="7.7", relationship="equivalent"),),
        unmapped={},
    )
    mapped_elsewhere = Catalogue(
        frameworks=listed.frameworks, rules={**listed.rules, "route53-no-dangling-records": unlisted_control}
    )
    beyond = view_of(mapped_elsewhere).beyond
    assert [(rule.rule, rule.status) for rule in beyond] == [
        ("root-not-used", NO_RESOURCES),
        ("route53-no-dangling-records", FAIL),
    ]


def test_the_summary_counts_controls_per_status() -> None:
    assert view().summary() == {
        "FAIL": 1,
        "UNKNOWN": 1,
        "MANUAL": 1,
        "SUPPRESSED": 2,
        "NOT_ASSESSED": 1,
        "PARTIALLY_ASSESSED": 1,
        "PASS": 2,
        "NO_RESOURCES": 1,
    }


def test_an_unknown_framework_names_the_known_ones() -> None:
    with pytest.raises(UnknownFramework) as raised:
        view(framework="cis-aws-foundations-9.9.9")
    assert str(raised.value) == (
        f"unknown framework: cis-aws-foundations-9.9.9 (known frameworks: {OTHER_FRAMEWORK}, {FRAMEWORK})"
    )


# --- JSON -------------------------------------------------------------------------------------------


def test_the_json_document() -> None:
    document = json.loads(render_framework_json(view(), SCAN))
    assert list(document) == ["schema", "framework", "scan", "summary", "controls", "beyond", "findings"]
    assert document["schema"] == FRAMEWORK_SCHEMA
    assert document["framework"] == {
        "id": FRAMEWORK,
        "name": "Test Benchmark",
        "version": "1.0.0",
        "sources": ["https://example.org/benchmark"],
        "catalogue": "every control of the benchmark",
    }
    assert document["scan"] == json.loads(msgspec.json.encode(SCAN))
    assert document["summary"] == view().summary()
    assert document["controls"][0] == {
        "id": "1.1",
        "title": "Root has MFA",
        "status": "FAIL",
        "coverage": "equivalent",
        "rules": [{"rule": "root-mfa", "relationship": "equivalent", "evaluated": True, "status": "FAIL"}],
        "counts": {"PASS": 1, "FAIL": 1, "UNKNOWN": 0, "MANUAL": 0, "SUPPRESSED": 0},
        "findings": [ROOT_MFA_FAILS_IN_STAGING.id, FINDINGS[0].id],
    }
    assert document["controls"][2] == {
        "id": "1.3",
        "title": "Maintain contact details",
        "status": "NOT_ASSESSED",
        "coverage": None,
        "rules": [],
        "counts": {"PASS": 0, "FAIL": 0, "UNKNOWN": 0, "MANUAL": 0, "SUPPRESSED": 0},
        "findings": [],
    }
    assert {control["id"]: control["status"] for control in document["controls"]} == {
        control_id: status.value for control_id, status in statuses(view()).items()
    }
    assert document["beyond"][1] == {
        "rule": "route53-no-dangling-records",
        "reason": "no control covers dangling DNS records",
        "status": "FAIL",
        "counts": {"PASS": 0, "FAIL": 1, "UNKNOWN": 0, "MANUAL": 0, "SUPPRESSED": 0},
        "findings": [FINDINGS[-1].id],
    }
    assert document["findings"] == [json.loads(msgspec.json.encode(f)) for f in FINDINGS]


def test_every_finding_id_a_control_names_is_in_the_document() -> None:
    document = json.loads(render_framework_json(view(), SCAN))
    ids = {f["id"] for f in document["findings"]}
    named = {i for entry in document["controls"] + document["beyond"] for i in entry["findings"]}
    assert named == ids


def test_the_json_escapes_c1_control_characters() -> None:
    findings = (finding("iam-user-mfa", Status.FAIL, "alice", message="a\x9b31mb"),)
    text = render_framework_json(view(findings), SCAN)
    assert "\x9b" not in text
    assert "a\\u009b31mb" in text


# --- terminal ---------------------------------------------------------------------------------------


def test_the_terminal_view_gives_each_control_its_status_counts_and_failing_resources() -> None:
    text = render_framework_terminal(view(), SCAN, color=False)
    lines = text.splitlines()
    assert lines[1:3] == [
        f"Test Benchmark 1.0.0 [{FRAMEWORK}]",
        "Controls listed: every control of the benchmark",
    ]
    block = lines[lines.index("FAIL                1.1  Root has MFA") :][:3]
    assert block == [
        "FAIL                1.1  Root has MFA",
        "  root-mfa (equivalent)  PASS 1   FAIL 1   UNKNOWN 0   MANUAL 0",
        f"    FAIL       critical {STAGING}: root-mfa on {STAGING}: FAIL",
    ]
    unassessed = lines.index("Not assessed: no cloudwarden rule maps to these controls")
    assert lines[unassessed - 1 : unassessed + 3] == [
        "",
        "Not assessed: no cloudwarden rule maps to these controls",
        "  NOT ASSESSED        1.3  Maintain contact details",
        "",
    ]
    assert "NO RESOURCES        1.5  Root has no access keys" in lines
    assert "  root-no-access-keys (equivalent)  no resources to judge" in lines
    assert (
        "PARTIALLY ASSESSED  2.1  Buckets are not public  "
        "(partial: our rules cover part of the control, or more)" in lines
    )
    assert (
        f"    SUPPRESSED high     {PRODUCTION} sg-2: {SUPPRESSED_GROUP.message} "
        "[suppressed until 2027-06-30: accepted by secops]"
    ) in lines
    assert (
        "  FAIL                route53-no-dangling-records: no control covers dangling DNS records  "
        "PASS 0   FAIL 1   UNKNOWN 0   MANUAL 0"
    ) in lines
    assert (
        "Controls  FAIL 1   UNKNOWN 1   MANUAL 1   SUPPRESSED 2   NOT ASSESSED 1   PARTIALLY ASSESSED 1   "
        "PASS 2   NO RESOURCES 1"
    ) in lines


def test_the_terminal_view_says_which_rules_were_left_out() -> None:
    passing = (finding("sg-minimal-inbound", Status.PASS, "sg-1"),)
    lines = render_framework_terminal(view(passing, ("sg-minimal-inbound",)), SCAN, color=False).splitlines()
    assert "NOT ASSESSED        4.1  No open inbound access" in lines
    assert (
        "  sg-no-internal-all-ports (partial)  not run (left out with --rule, or by `iac`: nothing to judge "
        "in plans and templates)"
    ) in lines


def test_the_terminal_view_prints_hostile_text_inert() -> None:
    findings = (finding("sg-inbound-rules-only", Status.FAIL, "sg-\x1b]0;title\x07x", message="\x1b[2Jgone"),)
    text = render_framework_terminal(view(findings), SCAN, color=False)
    assert "\x1b" not in text
    assert "\u202e" not in text
    assert "9.9  <img src=x onerror=alert(1)> red evil" in text
    assert f"{PRODUCTION} sg-x: gone" in text


# --- rules --framework ------------------------------------------------------------------------------


def test_the_rules_listing_of_a_framework_in_json() -> None:
    document = json.loads(render_framework_rules_json(FRAMEWORK, RULES, catalogue()))
    assert document["schema"] == FRAMEWORK_RULES_SCHEMA
    assert document["framework"]["id"] == FRAMEWORK
    assert {c["id"]: (c["assessed"], c["rules"]) for c in document["controls"]} == {
        "1.1": (True, [{"rule": "root-mfa", "relationship": "equivalent"}]),
        "1.2": (True, [{"rule": "iam-user-mfa", "relationship": "equivalent"}]),
        "1.3": (False, []),
        "1.4": (True, [{"rule": "root-strong-password", "relationship": "equivalent"}]),
        "1.5": (True, [{"rule": "root-no-access-keys", "relationship": "equivalent"}]),
        "2.1": (True, [{"rule": "s3-no-public-access", "relationship": "partial"}]),
        "3.1": (True, [{"rule": "cloudtrail-segregated-storage", "relationship": "partial"}]),
        "4.1": (
            True,
            [
                {"rule": "sg-minimal-inbound", "relationship": "equivalent"},
                {"rule": "sg-no-internal-all-ports", "relationship": "partial"},
            ],
        ),
        "4.2": (True, [{"rule": "sg-inbound-rules-only", "relationship": "equivalent"}]),
        "9.9": (True, [{"rule": "sg-inbound-rules-only", "relationship": "partial"}]),
    }
    assert document["beyond"] == [
        {"rule": "root-not-used", "reason": "no control covers root's recent use"},
        {"rule": "route53-no-dangling-records", "reason": "no control covers dangling DNS records"},
        {"rule": "sg-egress-via-nsm-only", "reason": "the rule is not in the compliance catalogue"},
    ]


def test_the_rules_listing_of_a_framework_in_markdown_and_terminal() -> None:
    markdown = render_framework_rules_markdown(FRAMEWORK, RULES, catalogue()).splitlines()
    assert markdown[0] == "# Test Benchmark 1.0.0"
    assert "| 1.3 | Maintain contact details | not assessed |" in markdown
    assert (
        "| 4.1 | No open inbound access | `sg-minimal-inbound` (equivalent), "
        "`sg-no-internal-all-ports` (partial) |"
    ) in markdown
    assert "- `route53-no-dangling-records`: no control covers dangling DNS records" in markdown
    terminal = render_framework_rules_terminal(FRAMEWORK, RULES, color=False, catalogue=catalogue())
    lines = terminal.splitlines()
    assert lines[lines.index("1.3     Maintain contact details") + 1] == "        not assessed"
    assert lines[lines.index("4.1     No open inbound access") + 1 :][:2] == [
        "        sg-minimal-inbound (equivalent)",
        "        sg-no-internal-all-ports (partial)",
    ]
    assert "\x1b" not in terminal
    assert HOSTILE_TITLE not in terminal
