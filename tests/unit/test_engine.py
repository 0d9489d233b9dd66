"""The engine: stable finding ids, crash isolation, attestations, suppressions, the JSON report."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator

import msgspec
import pytest

from cloudwarden.config import AttestationConfig, Config, SuppressionConfig
from cloudwarden.engine import Evaluation, EvaluationNotFinished, evaluate
from cloudwarden.findings import FINDINGS_SCHEMA, Finding, Report, Resource, Severity, Status, UnknownCause
from cloudwarden.rules import RULES
from cloudwarden.rules.base import Rule, RuleContext, Verdict, account_resource
from cloudwarden.rules.iam_user_mfa import IAM_USER_MFA
from cloudwarden.rules.root_mfa import ROOT_MFA
from cloudwarden.rules.root_not_used import ROOT_NOT_USED
from cloudwarden.rules.root_strong_password import ROOT_STRONG_PASSWORD
from cloudwarden.semantics.inventory import OrganisationInventory
from cloudwarden.snapshot import AccountSnapshot, OperationStats

from .builders import (
    ACCOUNT_ID,
    AWS_ADDRESS,
    OTHER_ACCOUNT_ID,
    account,
    account_summary,
    api_error,
    console_user,
    credential_report,
    days_before,
    key_user,
    make_rule,
    record_set,
    root_row,
    route53_account,
    route53_data,
    snapshot,
    user_row,
)

TODAY = dt.date(2025, 6, 15)


def _users_account(account_id: str = ACCOUNT_ID) -> AccountSnapshot:
    return account(
        account_id=account_id,
        report=credential_report(
            root_row(account_id),
            console_user("alice", mfa=False),
            console_user("bob", mfa=True),
            key_user("deploy", mfa=False),
            user_row("carol", mfa_active="garbage", password_enabled="true"),
        ),
    )


def _by(report: Report, rule: str) -> dict[str, Finding]:
    return {finding.resource.id: finding for finding in report.findings if finding.rule == rule}


def _statuses(report: Report, rule: str) -> set[tuple[Status, str]]:
    return {(f.status, f.resource.id) for f in report.findings if f.rule == rule}


def _suppress(resource: str, expires: dt.date, rule: str = "iam-user-mfa") -> SuppressionConfig:
    return SuppressionConfig(
        rule=rule, resource=resource, reason="service account, reviewed by secops", expires=expires
    )


def _attest(expires: dt.date, account_id: str = ACCOUNT_ID) -> AttestationConfig:
    return AttestationConfig(
        rule="root-strong-password",
        account=account_id,
        by="secops",
        date=dt.date(2025, 1, 10),
        expires=expires,
    )


# --- ids and findings -------------------------------------------------------------------------------


def test_finding_ids_are_stable_across_evaluations() -> None:
    scan = snapshot(_users_account())
    first = evaluate(scan, Config(), today=TODAY)
    second = evaluate(scan, Config(), today=TODAY)
    assert [f.id for f in first.findings] == [f.id for f in second.findings]
    assert all(f.id.startswith("cw-") for f in first.findings)


def test_finding_id_survives_a_change_of_status() -> None:
    failing = evaluate(
        snapshot(account(report=credential_report(console_user("alice", mfa=False)))), Config(), today=TODAY
    )
    fixed = evaluate(
        snapshot(account(report=credential_report(console_user("alice", mfa=True)))), Config(), today=TODAY
    )
    assert _by(failing, "iam-user-mfa")["alice"].status is Status.FAIL
    assert _by(fixed, "iam-user-mfa")["alice"].status is Status.PASS
    assert _by(failing, "iam-user-mfa")["alice"].id == _by(fixed, "iam-user-mfa")["alice"].id


def test_finding_ids_differ_between_resources_rules_and_accounts() -> None:
    report = evaluate(snapshot(_users_account(), _users_account(OTHER_ACCOUNT_ID)), Config(), today=TODAY)
    ids = [f.id for f in report.findings]
    assert len(ids) == len(set(ids)) == 2 * (len(RULES) - 1 + 4)


def test_every_rule_yields_findings_for_each_account() -> None:
    report = evaluate(snapshot(_users_account()), Config(), today=TODAY)
    assert {(f.rule, f.status, f.resource.id) for f in report.findings} == {
        ("root-strong-password", Status.MANUAL, ACCOUNT_ID),
        ("root-mfa", Status.PASS, ACCOUNT_ID),
        ("iam-user-mfa", Status.FAIL, "alice"),
        ("iam-user-mfa", Status.PASS, "bob"),
        ("iam-user-mfa", Status.FAIL, "deploy"),
        ("iam-user-mfa", Status.UNKNOWN, "carol"),
        ("root-no-access-keys", Status.PASS, ACCOUNT_ID),
        ("root-not-used", Status.PASS, ACCOUNT_ID),
        # This hand-built account carries no S3, CloudTrail, DNS or network data: never a silent PASS.
        ("cloudtrail-segregated-storage", Status.UNKNOWN, ACCOUNT_ID),
        ("route53-no-dangling-records", Status.UNKNOWN, ACCOUNT_ID),
        ("s3-no-public-access", Status.UNKNOWN, ACCOUNT_ID),
        ("sg-inbound-rules-only", Status.UNKNOWN, ACCOUNT_ID),
        ("sg-minimal-inbound", Status.UNKNOWN, ACCOUNT_ID),
        ("sg-no-internal-all-ports", Status.UNKNOWN, ACCOUNT_ID),
        ("sg-egress-via-nsm-only", Status.UNKNOWN, ACCOUNT_ID),
    }


def test_finding_carries_rule_metadata_and_verdict_severity() -> None:
    findings = _by(evaluate(snapshot(_users_account()), Config(), today=TODAY), "iam-user-mfa")
    assert findings["alice"].severity is Severity.HIGH
    assert findings["deploy"].severity is Severity.MEDIUM
    assert findings["alice"].title == IAM_USER_MFA.title
    assert findings["alice"].remediation == IAM_USER_MFA.remediation
    assert findings["alice"].account == ACCOUNT_ID
    assert findings["alice"].region == "global"


def test_recency_is_measured_from_collection_time_not_from_today() -> None:
    target = account(report=credential_report(root_row(password_last_used=days_before(3))))
    later = evaluate(snapshot(target), Config(), rules=(ROOT_NOT_USED,), today=dt.date(2030, 1, 1))
    assert _statuses(later, "root-not-used") == {(Status.FAIL, ACCOUNT_ID)}


def test_rule_that_raises_is_unknown_and_other_rules_still_run() -> None:
    def crashes(target: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
        raise KeyError("AccountMFAEnabled")

    broken = make_rule("broken-rule", crashes)
    report = evaluate(
        snapshot(_users_account(), _users_account(OTHER_ACCOUNT_ID)),
        Config(),
        rules=(broken, ROOT_MFA),
        today=TODAY,
    )
    assert {(f.rule, f.status, f.resource.id) for f in report.findings} == {
        ("broken-rule", Status.UNKNOWN, ACCOUNT_ID),
        ("broken-rule", Status.UNKNOWN, OTHER_ACCOUNT_ID),
        ("root-mfa", Status.PASS, ACCOUNT_ID),
        ("root-mfa", Status.PASS, OTHER_ACCOUNT_ID),
    }
    crash = _by(report, "broken-rule")[ACCOUNT_ID]
    assert "KeyError" in crash.message
    assert "AccountMFAEnabled" in crash.message
    assert crash.unknown_cause is UnknownCause.RULE_ERROR
    assert {f.unknown_cause for f in report.findings if f.rule == "root-mfa"} == {msgspec.UNSET}


def test_only_unknown_findings_carry_their_cause_and_the_json_names_it() -> None:
    def unknowable(target: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
        resource = account_resource(target.account_id)
        yield Verdict(Status.UNKNOWN, Resource(type="t", id="denied"), "read failed")
        yield Verdict(
            Status.UNKNOWN, Resource(type="t", id="off"), "off", unknown_cause=UnknownCause.NOT_CHECKED
        )
        # A cause on a judged verdict means nothing and is not reported.
        yield Verdict(Status.PASS, resource, "fine", unknown_cause=UnknownCause.NOT_CHECKED)

    unreachable = msgspec.structs.replace(
        account(account_id=OTHER_ACCOUNT_ID), unreachable="AssumeRole denied"
    )
    report = evaluate(
        snapshot(account(), unreachable), Config(), rules=(make_rule("r", unknowable),), today=TODAY
    )
    assert {(f.account, f.resource.id, f.status, f.unknown_cause) for f in report.findings} == {
        (ACCOUNT_ID, "denied", Status.UNKNOWN, UnknownCause.FAILED_CALL),
        (ACCOUNT_ID, "off", Status.UNKNOWN, UnknownCause.NOT_CHECKED),
        (ACCOUNT_ID, ACCOUNT_ID, Status.PASS, msgspec.UNSET),
        (OTHER_ACCOUNT_ID, OTHER_ACCOUNT_ID, Status.UNKNOWN, UnknownCause.UNREACHABLE_ACCOUNT),
    }
    encoded = json.loads(msgspec.json.encode(report))["findings"]
    assert [finding.get("unknown_cause") for finding in encoded] == [
        "failed-call",
        "not-checked",
        None,
        "unreachable-account",
    ]
    assert all({"evidence", "remediation", "suppression"} <= finding.keys() for finding in encoded)


def test_only_failed_reads_unreachable_accounts_and_rule_errors_count_as_not_judged() -> None:
    assert {cause for cause in UnknownCause if cause.not_judged} == {
        UnknownCause.FAILED_CALL,
        UnknownCause.UNREACHABLE_ACCOUNT,
        UnknownCause.RULE_ERROR,
    }


def test_rule_that_raises_midway_yields_a_single_unknown_for_the_account() -> None:
    def yields_then_crashes(target: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
        yield Verdict(Status.PASS, account_resource(target.account_id), "fine so far")
        raise ValueError("odd data")

    report = evaluate(
        snapshot(account()), Config(), rules=(make_rule("half", yields_then_crashes),), today=TODAY
    )
    assert _statuses(report, "half") == {(Status.UNKNOWN, ACCOUNT_ID)}
    assert len(report.findings) == 1


def _unreachable(account_id: str = OTHER_ACCOUNT_ID) -> AccountSnapshot:
    """An account that could not be entered, holding data that would judge cleanly if it were read: the
    data must never speak for it."""
    return msgspec.structs.replace(
        _users_account(account_id), unreachable="AssumeRole: AccessDenied: not allowed to assume"
    )


def test_unreachable_account_is_one_unknown_per_rule_beside_a_reachable_accounts_findings() -> None:
    alone = evaluate(snapshot(_users_account()), Config(), today=TODAY)
    report = evaluate(snapshot(_users_account(), _unreachable()), Config(), today=TODAY)

    reachable = {(f.account, f.rule, f.status, f.resource.id) for f in alone.findings}
    assert {(f.account, f.rule, f.status, f.resource.id) for f in report.findings} == reachable | {
        (OTHER_ACCOUNT_ID, rule.id, Status.UNKNOWN, OTHER_ACCOUNT_ID) for rule in RULES
    }
    unreachable = [f for f in report.findings if f.account == OTHER_ACCOUNT_ID]
    assert len(unreachable) == len(RULES)
    assert {f.unknown_cause for f in unreachable} == {UnknownCause.UNREACHABLE_ACCOUNT}
    assert all("AssumeRole: AccessDenied: not allowed to assume" in f.message for f in unreachable)
    assert report.scan.unreachable_accounts == {
        OTHER_ACCOUNT_ID: "AssumeRole: AccessDenied: not allowed to assume"
    }
    assert report.scan.accounts == (ACCOUNT_ID, OTHER_ACCOUNT_ID)


def test_unreachable_account_is_never_handed_to_a_rule() -> None:
    """A rule that passes whatever it is given never sees the account: nothing was read there."""
    seen: list[str] = []

    def always_passes(target: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
        seen.append(target.account_id)
        yield Verdict(Status.PASS, account_resource(target.account_id), "fine")

    report = evaluate(
        snapshot(_unreachable(ACCOUNT_ID), _users_account(OTHER_ACCOUNT_ID)),
        Config(),
        rules=(make_rule("lenient", always_passes),),
        today=TODAY,
    )

    assert seen == [OTHER_ACCOUNT_ID]
    assert {(f.account, f.status, f.unknown_cause) for f in report.findings} == {
        (ACCOUNT_ID, Status.UNKNOWN, UnknownCause.UNREACHABLE_ACCOUNT),
        (OTHER_ACCOUNT_ID, Status.PASS, msgspec.UNSET),
    }


def test_attestation_and_suppression_leave_an_unreachable_account_unknown() -> None:
    """An attested MANUAL rule and a suppression matching the account still say UNKNOWN there."""
    config = Config(
        attestations=(_attest(dt.date(2026, 1, 1), account_id=OTHER_ACCOUNT_ID),),
        suppressions=(_suppress(OTHER_ACCOUNT_ID, dt.date(2026, 1, 1), rule="root-mfa"),),
    )

    report = evaluate(snapshot(_unreachable()), config, rules=(ROOT_STRONG_PASSWORD, ROOT_MFA), today=TODAY)

    assert {(f.rule, f.status, f.unknown_cause) for f in report.findings} == {
        ("root-strong-password", Status.UNKNOWN, UnknownCause.UNREACHABLE_ACCOUNT),
        ("root-mfa", Status.UNKNOWN, UnknownCause.UNREACHABLE_ACCOUNT),
    }


# --- attestations ---------------------------------------------------------------------------------


def test_attestation_turns_manual_into_pass_until_it_expires() -> None:
    config = Config(attestations=(_attest(expires=dt.date(2025, 12, 31)),))
    report = evaluate(snapshot(account()), config, rules=(ROOT_STRONG_PASSWORD,), today=dt.date(2025, 12, 31))
    assert _statuses(report, "root-strong-password") == {(Status.PASS, ACCOUNT_ID)}
    finding = _by(report, "root-strong-password")[ACCOUNT_ID]
    assert "attested by secops" in finding.message
    assert finding.evidence["attestation_expires"] == "2025-12-31"
    assert finding.evidence["password_present"] is True
    assert report.scan.warnings == ()


def test_expired_attestation_leaves_manual_and_warns() -> None:
    config = Config(attestations=(_attest(expires=dt.date(2025, 12, 31)),))
    report = evaluate(snapshot(account()), config, rules=(ROOT_STRONG_PASSWORD,), today=dt.date(2026, 1, 1))
    assert _statuses(report, "root-strong-password") == {(Status.MANUAL, ACCOUNT_ID)}
    assert len(report.scan.warnings) == 1
    assert "expired on 2025-12-31" in report.scan.warnings[0]
    assert "root-strong-password" in report.scan.warnings[0]


def test_latest_of_several_attestations_is_kept() -> None:
    config = Config(attestations=(_attest(dt.date(2025, 7, 1)), _attest(dt.date(2026, 7, 1))))
    report = evaluate(snapshot(account()), config, rules=(ROOT_STRONG_PASSWORD,), today=TODAY)
    finding = _by(report, "root-strong-password")[ACCOUNT_ID]
    assert finding.status is Status.PASS
    assert "valid until 2026-07-01" in finding.message


def test_attestation_for_another_account_does_not_apply() -> None:
    config = Config(attestations=(_attest(dt.date(2026, 1, 1), account_id=OTHER_ACCOUNT_ID),))
    report = evaluate(snapshot(account()), config, rules=(ROOT_STRONG_PASSWORD,), today=TODAY)
    assert _statuses(report, "root-strong-password") == {(Status.MANUAL, ACCOUNT_ID)}


def test_attestation_never_turns_unknown_into_pass() -> None:
    config = Config(attestations=(_attest(dt.date(2026, 1, 1)),))
    target = account(summary=None, errors=[api_error("GetAccountSummary")])
    report = evaluate(snapshot(target), config, rules=(ROOT_STRONG_PASSWORD,), today=TODAY)
    assert _statuses(report, "root-strong-password") == {(Status.UNKNOWN, ACCOUNT_ID)}


# --- suppressions ---------------------------------------------------------------------------------


def test_suppression_hides_a_fail_keeping_reason_and_status_underneath() -> None:
    config = Config(suppressions=(_suppress("deploy", expires=dt.date(2025, 6, 15)),))
    report = evaluate(snapshot(_users_account()), config, today=dt.date(2025, 6, 15))
    assert _statuses(report, "iam-user-mfa") == {
        (Status.FAIL, "alice"),
        (Status.PASS, "bob"),
        (Status.SUPPRESSED, "deploy"),
        (Status.UNKNOWN, "carol"),
    }
    suppression = _by(report, "iam-user-mfa")["deploy"].suppression
    assert suppression is not None
    assert suppression.reason == "service account, reviewed by secops"
    assert suppression.expires == "2025-06-15"
    assert suppression.status_underneath is Status.FAIL
    assert report.scan.warnings == ()


def test_expired_suppression_leaves_the_fail_and_warns() -> None:
    config = Config(suppressions=(_suppress("deploy", expires=dt.date(2025, 6, 14)),))
    report = evaluate(snapshot(_users_account()), config, today=dt.date(2025, 6, 15))
    deploy = _by(report, "iam-user-mfa")["deploy"]
    assert (deploy.status, deploy.suppression) == (Status.FAIL, None)
    assert len(report.scan.warnings) == 1
    assert "expired on 2025-06-14" in report.scan.warnings[0]


def test_today_decides_whether_a_suppression_is_active() -> None:
    config = Config(suppressions=(_suppress("alice", expires=dt.date(2025, 9, 30)),))
    before = evaluate(snapshot(_users_account()), config, today=dt.date(2025, 9, 30))
    after = evaluate(snapshot(_users_account()), config, today=dt.date(2025, 10, 1))
    assert _by(before, "iam-user-mfa")["alice"].status is Status.SUPPRESSED
    assert _by(after, "iam-user-mfa")["alice"].status is Status.FAIL


def test_suppression_matching_nothing_warns() -> None:
    config = Config(suppressions=(_suppress("nobody-*", expires=dt.date(2026, 1, 1)),))
    report = evaluate(snapshot(_users_account()), config, today=TODAY)
    assert not any(f.status is Status.SUPPRESSED for f in report.findings)
    assert len(report.scan.warnings) == 1
    assert "matches no finding" in report.scan.warnings[0]
    assert "'nobody-*'" in report.scan.warnings[0]


def test_suppression_of_another_rule_does_not_apply() -> None:
    config = Config(suppressions=(_suppress("*", expires=dt.date(2026, 1, 1), rule="root-mfa"),))
    report = evaluate(snapshot(_users_account()), config, today=TODAY)
    assert (Status.FAIL, "alice") in _statuses(report, "iam-user-mfa")
    assert report.scan.warnings == ()


def test_suppression_never_touches_pass_or_unknown() -> None:
    config = Config(suppressions=(_suppress("*", expires=dt.date(2026, 1, 1)),))
    report = evaluate(snapshot(_users_account()), config, today=TODAY)
    assert _statuses(report, "iam-user-mfa") == {
        (Status.SUPPRESSED, "alice"),
        (Status.PASS, "bob"),
        (Status.SUPPRESSED, "deploy"),
        (Status.UNKNOWN, "carol"),
    }
    assert _by(report, "iam-user-mfa")["bob"].suppression is None


def test_suppression_glob_matches_the_arn() -> None:
    target = account(
        report=credential_report(
            console_user("alice", mfa=False, arn=f"arn:aws:iam::{ACCOUNT_ID}:user/contractors/alice"),
            console_user("amy", mfa=False),
        )
    )
    config = Config(suppressions=(_suppress("arn:aws:iam::*:user/contractors/*", dt.date(2026, 1, 1)),))
    report = evaluate(snapshot(target), config, today=TODAY)
    assert _statuses(report, "iam-user-mfa") == {(Status.SUPPRESSED, "alice"), (Status.FAIL, "amy")}


def test_suppression_glob_is_case_sensitive() -> None:
    config = Config(suppressions=(_suppress("ALICE", dt.date(2026, 1, 1)),))
    report = evaluate(snapshot(_users_account()), config, today=TODAY)
    assert _by(report, "iam-user-mfa")["alice"].status is Status.FAIL


# --- the report -----------------------------------------------------------------------------------


def test_report_summarises_the_scan() -> None:
    other = account(account_id=OTHER_ACCOUNT_ID, report=credential_report(root_row(OTHER_ACCOUNT_ID)))
    error = api_error("GetCredentialReport", code="Throttling")
    report = evaluate(snapshot(_users_account(), other, errors=[error]), Config(), today=TODAY)
    assert report.schema == FINDINGS_SCHEMA
    assert report.scan.accounts == (ACCOUNT_ID, OTHER_ACCOUNT_ID)
    assert report.scan.regions == ("eu-west-1", "us-east-1")
    assert report.scan.tool.name == "cloudwarden"
    assert report.scan.finished_at == "2025-06-15T12:00:00+00:00"
    assert report.scan.errors == (
        {
            "account": ACCOUNT_ID,
            "service": "iam",
            "operation": "GetCredentialReport",
            "region": "us-east-1",
            "code": "Throttling",
            "message": error.message,
            "resource": None,
        },
    )


def test_report_round_trips_through_json() -> None:
    config = Config(
        suppressions=(_suppress("deploy", dt.date(2026, 1, 1)),),
        attestations=(_attest(dt.date(2026, 1, 1)),),
    )
    report = evaluate(snapshot(_users_account()), config, today=TODAY)
    assert any(f.suppression is not None for f in report.findings)
    decoded = msgspec.json.decode(msgspec.json.encode(report), type=Report)
    assert decoded == report


def test_report_json_is_byte_stable_with_call_statistics() -> None:
    scan = msgspec.structs.replace(
        snapshot(_users_account()),
        stats={"iam.GetAccountSummary": OperationStats(calls=1, seconds=0.05)},
    )
    encoded = msgspec.json.encode(evaluate(scan, Config(), today=TODAY))
    again = msgspec.json.encode(msgspec.json.decode(encoded, type=Report))
    assert again == encoded
    document = msgspec.json.decode(encoded)
    assert document["scan"]["stats"]["operations"]["iam.GetAccountSummary"]["calls"] == 1
    assert set(document["findings"][0]) >= {
        "id",
        "rule",
        "title",
        "status",
        "severity",
        "account",
        "region",
        "resource",
        "message",
        "evidence",
        "remediation",
    }


def test_root_without_mfa_is_a_critical_fail_on_the_account_in_json() -> None:
    report = evaluate(
        snapshot(account(summary=account_summary(mfa=False))), Config(), rules=(ROOT_MFA,), today=TODAY
    )
    document = msgspec.json.decode(msgspec.json.encode(report))
    assert document["findings"][0]["status"] == "FAIL"
    assert document["findings"][0]["severity"] == "critical"
    assert document["findings"][0]["resource"] == {
        "type": "AWS::::Account",
        "id": ACCOUNT_ID,
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:root",
        "name": ACCOUNT_ID,
    }


# --- streaming ------------------------------------------------------------------------------------


def test_evaluation_streams_exactly_the_findings_and_summary_of_the_report() -> None:
    config = Config(
        suppressions=(
            _suppress("alice", dt.date(2026, 1, 1)),
            _suppress("nobody", dt.date(2026, 1, 1)),
            _suppress("carol", dt.date(2025, 1, 1)),
        ),
        attestations=(_attest(dt.date(2025, 1, 1)),),
    )
    scan = snapshot(_users_account(), _users_account(OTHER_ACCOUNT_ID))
    report = evaluate(scan, config, today=TODAY)
    evaluation = Evaluation(scan, config, today=TODAY)
    assert tuple(evaluation) == report.findings
    assert evaluation.summary() == report.scan
    assert len(report.scan.warnings) == 3  # an expired attestation, an expired and an unused suppression
    assert any(f.status is Status.SUPPRESSED for f in report.findings)


def test_the_summary_waits_for_the_last_finding_and_an_evaluation_runs_once() -> None:
    evaluation = Evaluation(snapshot(_users_account()), Config(), today=TODAY)
    with pytest.raises(EvaluationNotFinished):
        evaluation.summary()
    findings = iter(evaluation)
    next(findings)
    with pytest.raises(EvaluationNotFinished):
        evaluation.summary()
    with pytest.raises(RuntimeError, match="only once"):
        iter(evaluation)
    assert len(list(findings)) > 0
    assert evaluation.summary().accounts == (ACCOUNT_ID,)


def test_evaluation_runs_rules_only_as_findings_are_asked_for() -> None:
    """Findings are made account by account and rule by rule, not all before the first is handed out."""
    ran: list[tuple[str, str]] = []

    def recording(rule_id: str) -> Rule:
        def check(target: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
            ran.append((rule_id, target.account_id))
            yield Verdict(Status.PASS, account_resource(target.account_id), "fine")

        return make_rule(rule_id, check)

    rules = (recording("first"), recording("second"))
    evaluation = Evaluation(snapshot(account(), account(account_id=OTHER_ACCOUNT_ID)), Config(), rules)
    findings = iter(evaluation)
    assert ran == []
    assert next(findings).rule == "first"
    assert ran == [("first", ACCOUNT_ID)]
    assert next(findings).rule == "second"
    assert ran == [("first", ACCOUNT_ID), ("second", ACCOUNT_ID)]
    assert [f.account for f in findings] == [OTHER_ACCOUNT_ID, OTHER_ACCOUNT_ID]
    assert len(ran) == 4


def test_rules_see_what_every_account_of_the_snapshot_holds_built_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS in one account, the address in another: the engine hands the organisation's inventory to
    the rules, so the record passes naming the member, and it builds that inventory once per run."""
    record = record_set("app.example.com", "A", AWS_ADDRESS)
    dns = route53_account(route53_data(record))
    member = route53_account(route53_data(zones=(), elastic_ips=[AWS_ADDRESS]), account_id=OTHER_ACCOUNT_ID)
    built: list[int] = []
    original = OrganisationInventory.of

    def counted(accounts: Iterable[AccountSnapshot]) -> OrganisationInventory:
        built.append(1)
        return original(accounts)

    monkeypatch.setattr(OrganisationInventory, "of", counted)
    rule = [rule for rule in RULES if rule.id == "route53-no-dangling-records"]
    report = evaluate(snapshot(dns, member), Config(), rule, today=TODAY)
    assert {(f.account, f.status, f.resource.id) for f in report.findings} == {
        (ACCOUNT_ID, Status.PASS, record.record_id)
    }
    assert f"account {OTHER_ACCOUNT_ID}" in report.findings[0].message
    assert built == [1]
