"""The compliance catalogue (`compliance/mapping.json`): well-formed, complete, exactly the mapping the
sources support, carried by findings and shown by `rules` and `docs/compliance.md`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import msgspec
import pytest

from cloudwarden.compliance import CATALOGUE, Relationship, load_catalogue
from cloudwarden.config import Config
from cloudwarden.engine import evaluate
from cloudwarden.findings import ComplianceRef
from cloudwarden.report.reference import (
    BEYOND,
    COMPLIANCE_REGENERATE,
    NOT_MAPPED,
    render_compliance_markdown,
    render_rules_markdown,
    render_rules_terminal,
    rules_entries,
)
from cloudwarden.rules import RULE_IDS, RULES, RULES_BY_ID
from cloudwarden.snapshot import Snapshot

from .builders import account, snapshot

CIS_3, CIS_5, FSBP = "cis-aws-foundations-3.0.0", "cis-aws-foundations-5.0.0", "aws-fsbp"
FRAMEWORK_IDS = (CIS_3, CIS_5, FSBP)
"""The contract's framework ids."""

CONTROL_ID = {
    CIS_3: re.compile(r"^\d+(\.\d+)+$"),
    CIS_5: re.compile(r"^\d+(\.\d+)+$"),
    FSBP: re.compile(r"^[A-Za-z0-9]+\.\d+$"),
}

COMPLIANCE_DOC = Path(__file__).resolve().parents[2] / "docs" / "compliance.md"

EQ, PART = "equivalent", "partial"
EXPECTED: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "root-strong-password": {CIS_3: (), CIS_5: (), FSBP: ()},
    "root-mfa": {
        CIS_3: (("1.5", EQ), ("1.6", PART)),
        CIS_5: (("1.4", EQ), ("1.5", PART)),
        FSBP: (("IAM.6", PART),),
    },
    "iam-user-mfa": {CIS_3: (("1.10", PART),), CIS_5: (("1.9", PART),), FSBP: (("IAM.5", PART),)},
    "root-no-access-keys": {CIS_3: (("1.4", PART),), CIS_5: (("1.3", PART),), FSBP: (("IAM.4", PART),)},
    "root-not-used": {CIS_3: (("1.7", PART),), CIS_5: (), FSBP: ()},
    "cloudtrail-segregated-storage": {
        CIS_3: (("3.1", PART),),
        CIS_5: (("3.1", PART),),
        FSBP: (("CloudTrail.1", PART),),
    },
    "route53-no-dangling-records": {CIS_3: (), CIS_5: (), FSBP: ()},
    "s3-no-public-access": {
        CIS_3: (("2.1.4", PART),),
        CIS_5: (("2.1.4", PART),),
        FSBP: (("S3.1", PART), ("S3.2", PART), ("S3.3", PART), ("S3.8", PART)),
    },
    "sg-inbound-rules-only": {CIS_3: (), CIS_5: (), FSBP: ()},
    "sg-minimal-inbound": {
        CIS_3: (("5.2", PART), ("5.3", PART)),
        CIS_5: (("5.3", PART), ("5.4", PART)),
        FSBP: (("EC2.18", PART), ("EC2.19", PART)),
    },
    "sg-no-internal-all-ports": {CIS_3: (("5.4", PART),), CIS_5: (("5.5", PART),), FSBP: (("EC2.2", PART),)},
    "sg-egress-via-nsm-only": {CIS_3: (), CIS_5: (), FSBP: ()},
}
"""Each rule's controls per framework, as AWS Security Hub's documentation numbers them (v5.0.0 renumbered
the IAM and network sections); an empty tuple: no counterpart, which the data must explain."""

SECURITY_HUB_CONTROL = {
    (CIS_3, "1.5"): ("IAM.9",),
    (CIS_5, "1.4"): ("IAM.9",),
    (CIS_3, "1.6"): ("IAM.6",),
    (CIS_5, "1.5"): ("IAM.6",),
    (CIS_3, "1.10"): ("IAM.5",),
    (CIS_5, "1.9"): ("IAM.5",),
    (CIS_3, "1.4"): ("IAM.4",),
    (CIS_5, "1.3"): ("IAM.4",),
    (CIS_3, "3.1"): ("CloudTrail.1",),
    (CIS_5, "3.1"): ("CloudTrail.1",),
    (CIS_3, "2.1.4"): ("S3.1", "S3.8"),
    (CIS_5, "2.1.4"): ("S3.1", "S3.8"),
    (CIS_3, "5.2"): ("EC2.53",),
    (CIS_3, "5.3"): ("EC2.54",),
    (CIS_5, "5.3"): ("EC2.53",),
    (CIS_5, "5.4"): ("EC2.54",),
    (CIS_3, "5.4"): ("EC2.2",),
    (CIS_5, "5.5"): ("EC2.2",),
}
"""The Security Hub control behind each mapped CIS requirement (the version-comparison table)."""


# --- the data is well formed ----------------------------------------------------------------------------


def test_the_frameworks_are_the_contracts() -> None:
    assert tuple(CATALOGUE.frameworks) == FRAMEWORK_IDS
    for framework_id, framework in CATALOGUE.frameworks.items():
        assert framework.id == framework_id
        assert framework.name
        assert framework.version
        assert framework.catalogue
        assert framework.standards_id
        assert framework.sources, framework_id
        assert all(source.startswith("https://") for source in framework.sources)


def test_the_requirement_prefixes_are_security_hubs() -> None:
    assert CATALOGUE.frameworks[CIS_3].requirement_prefix == "CIS AWS Foundations Benchmark v3.0.0"
    assert CATALOGUE.frameworks[CIS_5].requirement_prefix == "CIS AWS Foundations Benchmark v5.0.0"
    fsbp = CATALOGUE.frameworks[FSBP]
    assert fsbp.requirement_prefix == "AWS Foundational Security Best Practices v1.0.0"
    assert "SecurityControlId" in fsbp.requirement_prefix_note  # Security Hub writes no FSBP requirement


def test_the_cis_sources_are_security_hubs_documentation() -> None:
    for framework_id in (CIS_3, CIS_5):
        assert (
            "https://docs.aws.amazon.com/securityhub/latest/userguide/cis-aws-foundations-benchmark.html"
            in CATALOGUE.frameworks[framework_id].sources
        )


@pytest.mark.parametrize("framework_id", FRAMEWORK_IDS)
def test_control_ids_are_unique_within_a_framework(framework_id: str) -> None:
    ids = [control.id for control in CATALOGUE.frameworks[framework_id].controls]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("framework_id", FRAMEWORK_IDS)
def test_control_ids_are_well_formed_for_their_framework(framework_id: str) -> None:
    framework = CATALOGUE.frameworks[framework_id]
    assert [c.id for c in framework.controls if not CONTROL_ID[framework_id].match(c.id)] == []
    assert all(control.title.strip() for control in framework.controls)


@pytest.mark.parametrize("framework_id", [CIS_3, CIS_5])
def test_a_cis_requirement_names_its_security_hub_controls_unless_manual(framework_id: str) -> None:
    for control in CATALOGUE.frameworks[framework_id].controls:
        if control.manual:
            assert not control.security_hub_controls
            assert control.source.startswith("https://")
            assert control.source in CATALOGUE.frameworks[framework_id].sources
        else:
            assert control.security_hub_controls, control.id
            assert all(CONTROL_ID[FSBP].match(c) for c in control.security_hub_controls)


def test_the_cis_catalogues_are_what_security_hub_assesses() -> None:
    """37 requirements each, the manual 1.7 of v3.0.0 counted; v5.0.0 has no 1.7-like entry."""
    assert len(CATALOGUE.frameworks[CIS_3].controls) == 37
    assert len(CATALOGUE.frameworks[CIS_5].controls) == 37
    assert [c.id for c in CATALOGUE.frameworks[CIS_3].controls if c.manual] == ["1.7"]
    assert [c.id for c in CATALOGUE.frameworks[CIS_5].controls if c.manual] == []


def test_every_rule_is_in_the_catalogue_and_nothing_else() -> None:
    assert set(CATALOGUE.rules) == set(RULE_IDS)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_every_rule_maps_or_explains_each_framework(rule_id: str) -> None:
    mapping = CATALOGUE.rules[rule_id]
    mapped = {ref.framework for ref in mapping.controls}
    assert mapped.isdisjoint(mapping.unmapped), "a framework both mapped and unmapped"
    assert mapped | set(mapping.unmapped) == set(FRAMEWORK_IDS)
    assert all(reason.strip() for reason in mapping.unmapped.values())


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_every_mapped_control_exists_in_its_framework(rule_id: str) -> None:
    for ref in CATALOGUE.compliance_of(rule_id):
        framework = CATALOGUE.frameworks[ref.framework]
        assert framework.control(ref.control) is not None, ref
        assert ref.relationship in {relationship.value for relationship in Relationship}


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_a_rule_maps_each_control_once(rule_id: str) -> None:
    keys = [(ref.framework, ref.control) for ref in CATALOGUE.compliance_of(rule_id)]
    assert len(keys) == len(set(keys))


def test_an_unknown_relationship_is_refused() -> None:
    text = json.dumps(
        {
            "frameworks": [],
            "rules": {"r": {"controls": [{"framework": "f", "control": "1", "relationship": "x"}]}},
        }
    )
    with pytest.raises(ValueError, match="'x' is not a valid Relationship"):
        load_catalogue(text)


# --- the mapping, exactly -----------------------------------------------------------------------------------


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_each_rule_maps_exactly_the_expected_controls(rule_id: str) -> None:
    refs = CATALOGUE.compliance_of(rule_id)
    actual = {
        framework_id: tuple((ref.control, ref.relationship) for ref in refs if ref.framework == framework_id)
        for framework_id in FRAMEWORK_IDS
    }
    assert actual == EXPECTED[rule_id]
    assert set(CATALOGUE.rules[rule_id].unmapped) == {
        f for f, controls in EXPECTED[rule_id].items() if not controls
    }


def test_the_expectations_cover_every_rule() -> None:
    assert set(EXPECTED) == set(RULE_IDS)


def test_each_mapped_cis_requirement_is_the_security_hub_control_expected() -> None:
    for (framework_id, control_id), controls in SECURITY_HUB_CONTROL.items():
        control = CATALOGUE.frameworks[framework_id].control(control_id)
        assert control is not None, (framework_id, control_id)
        assert control.security_hub_controls == controls, (framework_id, control_id)
    manual = {
        (framework_id, control.id)
        for framework_id in (CIS_3, CIS_5)
        for control in CATALOGUE.frameworks[framework_id].controls
        if control.manual
    }
    mapped_cis = {
        (ref.framework, ref.control)
        for rule_id in RULE_IDS
        for ref in CATALOGUE.compliance_of(rule_id)
        if ref.framework != FSBP
    }
    assert mapped_cis - manual == set(SECURITY_HUB_CONTROL)


def test_controls_outside_the_fsbp_standard_are_not_mapped_to_it() -> None:
    """IAM.9 and EC2.53/EC2.54 are Security Hub controls of CIS, not of the FSBP standard."""
    fsbp = CATALOGUE.frameworks[FSBP]
    for control_id in ("IAM.9", "EC2.53", "EC2.54", "EC2.13", "CloudTrail.6"):
        assert fsbp.control(control_id) is None


# --- findings carry it -----------------------------------------------------------------------------------


def _snapshot() -> Snapshot:
    return snapshot(account())


def test_findings_carry_their_rules_controls_shared_per_rule() -> None:
    report = evaluate(_snapshot(), Config())
    assert report.findings
    for finding in report.findings:
        assert finding.compliance is CATALOGUE.compliance_of(finding.rule)


def test_a_findings_json_carries_compliance_as_the_contract_says() -> None:
    finding = next(f for f in evaluate(_snapshot(), Config()).findings if f.rule == "root-mfa")
    encoded = json.loads(msgspec.json.encode(finding))
    assert encoded["compliance"][0] == {"framework": CIS_3, "control": "1.5", "relationship": "equivalent"}
    assert all(set(ref) == {"framework", "control", "relationship"} for ref in encoded["compliance"])


# --- rules and docs show it ---------------------------------------------------------------------------------


def test_rules_json_gives_each_rules_compliance() -> None:
    entries = {entry["id"]: entry for entry in rules_entries(RULES)}
    assert entries["root-mfa"]["compliance"][:2] == [
        {"framework": CIS_3, "control": "1.5", "relationship": "equivalent"},
        {"framework": CIS_3, "control": "1.6", "relationship": "partial"},
    ]
    assert entries["route53-no-dangling-records"]["compliance"] == []


def test_the_markdown_reference_says_each_frameworks_controls_or_beyond() -> None:
    section = render_rules_markdown(RULES).split("## root-not-used\n")[1].split("\n## ")[0]
    compliance = section.split("### Compliance\n")[1]
    assert (
        "- CIS AWS Foundations Benchmark v3.0.0 (`cis-aws-foundations-3.0.0`): **1.7** Eliminate use"
        in compliance
    )
    assert f"(`cis-aws-foundations-5.0.0`): {BEYOND}: the benchmark's manual requirement" in compliance


def test_the_terminal_shows_compliance_one_line_per_framework() -> None:
    lines = render_rules_terminal((RULES_BY_ID["root-mfa"],), color=False).splitlines()
    start = next(index for index, line in enumerate(lines) if line.lstrip().startswith("compliance"))
    assert [" ".join(line.split()) for line in lines[start : start + 3]] == [
        "compliance cis-aws-foundations-3.0.0 1.5 (equivalent), 1.6 (partial)",
        "cis-aws-foundations-5.0.0 1.4 (equivalent), 1.5 (partial)",
        "aws-fsbp IAM.6 (partial)",
    ]
    beyond = render_rules_terminal((RULES_BY_ID["sg-egress-via-nsm-only"],), color=False)
    assert f"aws-fsbp                   {BEYOND}" in beyond


def test_the_committed_compliance_table_is_what_the_data_renders() -> None:
    rendered = render_compliance_markdown(RULES)
    committed = COMPLIANCE_DOC.read_text(encoding="utf-8") if COMPLIANCE_DOC.is_file() else ""
    if committed != rendered:
        pytest.fail(
            f"docs/compliance.md differs from compliance/mapping.json: regenerate it with "
            f"`{COMPLIANCE_REGENERATE}` (from the repository's root) and commit it",
            pytrace=False,
        )


def test_the_compliance_table_lists_every_rule_and_every_source() -> None:
    markdown = render_compliance_markdown(RULES)
    rows = re.findall(r"^\| \[`([^`]+)`\]\(rules\.md#", markdown, flags=re.MULTILINE)
    assert rows == list(RULE_IDS)
    for framework in CATALOGUE.frameworks.values():
        assert all(f"<{source}>" in markdown for source in framework.sources)
    assert (
        f"| [`sg-egress-via-nsm-only`](rules.md#sg-egress-via-nsm-only) | {BEYOND} | {BEYOND} | {BEYOND} |"
        in (markdown)
    )
    assert (
        "| 1.5 | MFA should be enabled for the root user (Security Hub IAM.9) | `root-mfa` (equivalent) |"
        in (markdown)
    )
    assert (
        "| 1.2 | Security contact information should be provided for an AWS account (Security Hub "
        in markdown
    )
    assert "Account.1) | not assessed |" in markdown


def test_a_rule_the_catalogue_lacks_shows_the_gap() -> None:
    assert CATALOGUE.compliance_of("no-such-rule") == ()
    assert ComplianceRef(framework=FSBP, control="IAM.6", relationship="partial") in CATALOGUE.compliance_of(
        "root-mfa"
    )


def test_a_rule_missing_from_the_catalogue_renders_as_not_mapped() -> None:
    rule = RULES_BY_ID["root-mfa"]
    empty = load_catalogue(json.dumps({"frameworks": [], "rules": {}}))
    assert f"### Compliance\n\n_{NOT_MAPPED}_" in render_rules_markdown((rule,), empty)
    assert "compliance" not in render_rules_terminal((rule,), color=False, catalogue=empty)
    assert rules_entries((rule,), empty)[0]["compliance"] == []
