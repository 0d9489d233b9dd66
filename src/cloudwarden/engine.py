"""The engine: runs rules on a snapshot, then applies the configuration (attestations, suppressions).

Rules judge; the engine turns verdicts into findings with stable ids, and only it consults
suppressions and attestations. A rule that crashes on odd data yields UNKNOWN for that account
and rule, and every other rule still runs.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import msgspec

from cloudwarden import __version__
from cloudwarden.config import AttestationConfig, Config, SuppressionConfig
from cloudwarden.findings import (
    Finding,
    Report,
    ScanSummary,
    Status,
    Suppression,
    ToolInfo,
    finding_id,
)
from cloudwarden.rules import RULES
from cloudwarden.rules.base import Rule, RuleContext, Verdict, account_resource
from cloudwarden.semantics.credentials import parse_timestamp
from cloudwarden.snapshot import AccountSnapshot, Snapshot


def evaluate(
    snapshot: Snapshot,
    config: Config,
    rules: Sequence[Rule] = RULES,
    today: dt.date | None = None,
) -> Report:
    """Judge `snapshot`. `today` decides which suppressions and attestations are still valid."""
    today = today or dt.datetime.now(dt.UTC).date()
    context = RuleContext(config=config, collected_at=parse_timestamp(snapshot.scan.finished_at))
    findings: list[Finding] = []
    warnings: list[str] = []
    with _collector_paused():
        for account in snapshot.accounts:
            for rule in rules:
                findings.extend(
                    _to_finding(rule, account.account_id, v) for v in _run(rule, account, context)
                )
        findings = _apply_attestations(findings, config.attestations, today, warnings)
        findings = _apply_suppressions(findings, config.suppressions, today, warnings)
    regions = sorted({region for account in snapshot.accounts for region in account.regions})
    return Report(
        scan=ScanSummary(
            started_at=snapshot.scan.started_at,
            finished_at=snapshot.scan.finished_at,
            tool=ToolInfo(name="cloudwarden", version=__version__),
            accounts=tuple(account.account_id for account in snapshot.accounts),
            regions=tuple(regions),
            errors=tuple(msgspec.structs.asdict(error) for error in snapshot.errors),
            stats={"operations": snapshot.stats, "accounts": _account_stats(snapshot)},
            warnings=tuple(warnings),
            unreachable_accounts={
                account.account_id: account.unreachable
                for account in snapshot.accounts
                if account.unreachable is not None
            },
        ),
        findings=tuple(findings),
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while findings pile up.

    Findings and verdicts form no reference cycles, so reference counting frees them all the same;
    left running, the collector walks the growing list of findings again and again, which costs
    a large account about as much time as the rules themselves.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _account_stats(snapshot: Snapshot) -> dict[str, dict[str, Any]]:
    """Per account: wall time, calls, retries and failed calls, and the cluster worker that collected it."""
    table: dict[str, dict[str, Any]] = {}
    for account in snapshot.accounts:
        if account.stats is None:
            continue
        operations = account.stats.operations.values()
        table[account.account_id] = {
            "seconds": account.stats.seconds,
            "calls": sum(entry.calls for entry in operations),
            "retries": sum(entry.retries for entry in operations),
            "errors": sum(entry.errors for entry in operations),
            "worker": account.stats.worker,
        }
    return table


def _run(rule: Rule, account: AccountSnapshot, context: RuleContext) -> list[Verdict]:
    if account.unreachable:
        return [
            Verdict(
                Status.UNKNOWN,
                account_resource(account.account_id),
                f"the account could not be scanned: {account.unreachable}",
            )
        ]
    try:
        return list(rule.check(account, context))
    except Exception as error:
        return [
            Verdict(
                Status.UNKNOWN,
                account_resource(account.account_id),
                f"the rule could not judge this account's data: {type(error).__name__}: {error}",
            )
        ]


def _to_finding(rule: Rule, account_id: str, verdict: Verdict) -> Finding:
    return Finding(
        id=finding_id(rule.id, account_id, verdict.resource.id),
        rule=rule.id,
        title=rule.title,
        status=verdict.status,
        severity=verdict.severity or rule.severity,
        account=account_id,
        region=verdict.region,
        resource=verdict.resource,
        message=verdict.message,
        evidence=dict(verdict.evidence),
        remediation=verdict.remediation or rule.remediation,
    )


def _apply_attestations(
    findings: Iterable[Finding],
    attestations: Sequence[AttestationConfig],
    today: dt.date,
    warnings: list[str],
) -> list[Finding]:
    """A MANUAL finding with a valid attestation becomes PASS; an expired one only warns."""
    result = []
    for finding in findings:
        if finding.status is not Status.MANUAL:
            result.append(finding)
            continue
        matching = [a for a in attestations if a.rule == finding.rule and a.account == finding.account]
        warnings.extend(
            f"attestation of {a.rule} for account {a.account} by {a.by} expired on {a.expires}"
            for a in matching
            if a.expires < today
        )
        valid = [a for a in matching if a.expires >= today]
        if not valid:
            result.append(finding)
            continue
        attestation = max(valid, key=lambda a: a.expires)
        result.append(
            _replace(
                finding,
                status=Status.PASS,
                message=(
                    f"attested by {attestation.by} on {attestation.date} (valid until {attestation.expires})"
                ),
                evidence={
                    **finding.evidence,
                    "attested_by": attestation.by,
                    "attested_on": str(attestation.date),
                    "attestation_expires": str(attestation.expires),
                },
            )
        )
    return result


def _suppression_matches(suppression: SuppressionConfig, finding: Finding) -> bool:
    if suppression.rule != finding.rule:
        return False
    targets = [finding.resource.id] + ([finding.resource.arn] if finding.resource.arn else [])
    return any(fnmatch.fnmatchcase(target, suppression.resource) for target in targets)


def _apply_suppressions(
    findings: Iterable[Finding],
    suppressions: Sequence[SuppressionConfig],
    today: dt.date,
    warnings: list[str],
) -> list[Finding]:
    """A FAIL matched by an unexpired suppression becomes SUPPRESSED, keeping its status underneath."""
    used: set[int] = set()
    result = []
    by_rule: dict[str, list[int]] = {}
    for index, suppression in enumerate(suppressions):
        by_rule.setdefault(suppression.rule, []).append(index)
    for finding in findings:
        candidates = by_rule.get(finding.rule)
        if not candidates:
            result.append(finding)
            continue
        matches = [index for index in candidates if _suppression_matches(suppressions[index], finding)]
        used.update(matches)
        active = [suppressions[index] for index in matches if suppressions[index].expires >= today]
        if finding.status is Status.FAIL and active:
            suppression = active[0]
            result.append(
                _replace(
                    finding,
                    status=Status.SUPPRESSED,
                    suppression=Suppression(
                        reason=suppression.reason,
                        expires=str(suppression.expires),
                        status_underneath=Status.FAIL,
                    ),
                )
            )
        else:
            result.append(finding)
    for index, suppression in enumerate(suppressions):
        where = f"suppression of {suppression.rule} for {suppression.resource!r}"
        if suppression.expires < today:
            warnings.append(f"{where} expired on {suppression.expires}: its findings count again")
        elif index not in used:
            warnings.append(f"{where} matches no finding")
    return result


def _replace(finding: Finding, **changes: object) -> Finding:
    return msgspec.structs.replace(finding, **changes)
