"""The engine: runs rules on a snapshot, then applies the configuration (attestations, suppressions).

Rules judge; the engine turns verdicts into findings with stable ids, and only it consults
suppressions and attestations. A rule that crashes on odd data yields UNKNOWN for that account
and rule, and every other rule still runs. What "ours" means across accounts (a record in one
account pointing at a bucket of another) comes from the organisation's inventory, which the engine
builds once from the whole snapshot and hands to every rule in its context.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import msgspec

from cloudwarden import __version__
from cloudwarden.collector import collector_paused
from cloudwarden.compliance import CATALOGUE
from cloudwarden.config import AttestationConfig, Config, SuppressionConfig
from cloudwarden.findings import (
    ComplianceRef,
    Finding,
    Report,
    ScanSummary,
    Status,
    Suppression,
    ToolInfo,
    UnknownCause,
    finding_id,
)
from cloudwarden.rules import RULES
from cloudwarden.rules.base import Rule, RuleContext, Verdict, account_resource
from cloudwarden.semantics.credentials import parse_timestamp
from cloudwarden.semantics.inventory import OrganisationInventory
from cloudwarden.snapshot import AccountSnapshot, Snapshot


def evaluate(
    snapshot: Snapshot,
    config: Config,
    rules: Sequence[Rule] = RULES,
    today: dt.date | None = None,
) -> Report:
    """Judge `snapshot` into one report held in memory. `today` decides which suppressions and
    attestations are still valid. For very large snapshots, `Evaluation` gives the same findings one
    at a time."""
    evaluation = Evaluation(snapshot, config, rules, today)
    findings = tuple(evaluation)
    return Report(scan=evaluation.summary(), findings=findings)


class EvaluationNotFinished(RuntimeError):
    """The scan summary was asked for before every finding had been produced."""


class Evaluation:
    """The findings of `snapshot`, produced account by account and rule by rule as they are iterated,
    so that a writer can stream them out without the whole report in memory.

    Iterate it once; then `summary()` gives the scan summary, whose warnings (expired or unused
    suppressions and attestations) are only known once every finding has been seen. Iterated to the
    end, it yields exactly the findings, in the same order, that `evaluate` puts in its report.
    """

    def __init__(
        self,
        snapshot: Snapshot,
        config: Config,
        rules: Sequence[Rule] = RULES,
        today: dt.date | None = None,
        *,
        prepare: Callable[[Finding], Finding | None] | None = None,
        warnings: Sequence[str] = (),
    ) -> None:
        """`prepare` sees each finding before attestations and suppressions do, and may rewrite it or
        drop it (None): `iac` names resources by their address there. `warnings` are the input's own
        (a plan's skipped constructs), reported first."""
        self._snapshot = snapshot
        self._config = config
        self._rules = tuple(rules)
        self._today = today or dt.datetime.now(dt.UTC).date()
        self._prepare = prepare
        self._warnings: list[str] = list(warnings)
        self._started = False
        self._finished = False

    def __iter__(self) -> Iterator[Finding]:
        if self._started:
            raise RuntimeError("an evaluation can be iterated only once")
        self._started = True
        return self._findings()

    def _findings(self) -> Iterator[Finding]:
        snapshot, config, today = self._snapshot, self._config, self._today
        context = RuleContext(
            config=config,
            collected_at=parse_timestamp(snapshot.scan.finished_at),
            inventory=OrganisationInventory.of(snapshot.accounts),
        )
        attest = _Attestations(config.attestations, today, self._warnings)
        suppress = _Suppressions(config.suppressions, today, self._warnings)
        # Looked up once per rule: every finding of a rule shares the catalogue's tuple.
        compliance = {rule.id: CATALOGUE.compliance_of(rule.id) for rule in self._rules}
        with collector_paused():
            for account in snapshot.accounts:
                for rule in self._rules:
                    controls = compliance[rule.id]
                    for verdict in _run(rule, account, context):
                        finding = _to_finding(rule, account.account_id, verdict, controls)
                        if self._prepare is not None:
                            prepared = self._prepare(finding)
                            if prepared is None:
                                continue
                            finding = prepared
                        yield suppress(attest(finding))
                context.per_account.clear()  # what was worked out for this account goes with it
        suppress.finish()
        self._finished = True

    def summary(self) -> ScanSummary:
        """The scan summary; only after every finding has been iterated."""
        if not self._finished:
            raise EvaluationNotFinished("the scan summary is known only after every finding")
        snapshot = self._snapshot
        regions = sorted({region for account in snapshot.accounts for region in account.regions})
        return ScanSummary(
            started_at=snapshot.scan.started_at,
            finished_at=snapshot.scan.finished_at,
            tool=ToolInfo(name="cloudwarden", version=__version__),
            accounts=tuple(account.account_id for account in snapshot.accounts),
            regions=tuple(regions),
            errors=tuple(msgspec.structs.asdict(error) for error in snapshot.errors),
            stats={
                "operations": snapshot.stats,
                "accounts": _account_stats(snapshot),
                "collections": sorted(
                    {str(collection) for account in snapshot.accounts for collection in account.collected}
                ),
            },
            warnings=tuple(self._warnings),
            unreachable_accounts={
                account.account_id: account.unreachable
                for account in snapshot.accounts
                if account.unreachable is not None
            },
        )


def _account_stats(snapshot: Snapshot) -> dict[str, dict[str, Any]]:
    """Per account: wall time, calls, retries and failed calls, the cluster worker that collected it and
    the parts of the account collected."""
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
            "collections": [str(collection) for collection in account.collected],
        }
    return table


def _run(rule: Rule, account: AccountSnapshot, context: RuleContext) -> list[Verdict]:
    if account.unreachable:
        return [
            Verdict(
                Status.UNKNOWN,
                account_resource(account.account_id),
                f"the account could not be scanned: {account.unreachable}",
                unknown_cause=UnknownCause.UNREACHABLE_ACCOUNT,
            )
        ]
    missing = account.not_collected(rule.needs)
    if missing:
        # A part never read says nothing about the account: its empty value must not pass.
        return [
            Verdict(
                Status.UNKNOWN,
                account_resource(account.account_id),
                f"not checked: the scan did not collect this account's {', '.join(missing)} data "
                f"(it collected {', '.join(account.collected) or 'nothing'}); scan with --rule {rule.id}, "
                "or without --rule, to check it",
                evidence={
                    "not_collected": [str(collection) for collection in missing],
                    "collected": [str(collection) for collection in account.collected],
                },
                unknown_cause=UnknownCause.NOT_CHECKED,
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
                unknown_cause=UnknownCause.RULE_ERROR,
            )
        ]


def _to_finding(
    rule: Rule, account_id: str, verdict: Verdict, compliance: tuple[ComplianceRef, ...]
) -> Finding:
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
        # Nothing mutates a finding's evidence (attestations build a new dict): no copy is needed.
        evidence=verdict.evidence if type(verdict.evidence) is dict else dict(verdict.evidence),
        remediation=verdict.remediation or rule.remediation,
        suppression=None,
        unknown_cause=verdict.unknown_cause if verdict.status is Status.UNKNOWN else msgspec.UNSET,
        compliance=compliance,
    )


class _Attestations:
    """A MANUAL finding with a valid attestation becomes PASS; an expired one only warns."""

    def __init__(
        self, attestations: Sequence[AttestationConfig], today: dt.date, warnings: list[str]
    ) -> None:
        self._attestations = attestations
        self._today = today
        self._warnings = warnings

    def __call__(self, finding: Finding) -> Finding:
        if finding.status is not Status.MANUAL:
            return finding
        today = self._today
        matching = [a for a in self._attestations if a.rule == finding.rule and a.account == finding.account]
        self._warnings.extend(
            f"attestation of {a.rule} for account {a.account} by {a.by} expired on {a.expires}"
            for a in matching
            if a.expires < today
        )
        valid = [a for a in matching if a.expires >= today]
        if not valid:
            return finding
        attestation = max(valid, key=lambda a: a.expires)
        return _replace(
            finding,
            status=Status.PASS,
            message=f"attested by {attestation.by} on {attestation.date} (valid until {attestation.expires})",
            evidence={
                **finding.evidence,
                "attested_by": attestation.by,
                "attested_on": str(attestation.date),
                "attestation_expires": str(attestation.expires),
            },
        )


def active_suppression(
    suppressions: Sequence[SuppressionConfig], finding: Finding, today: dt.date
) -> SuppressionConfig | None:
    """The first unexpired suppression that matches `finding`, if any (what the engine applies to a
    FAIL; `cloudwarden fix` also honours one added to the configuration after the scan)."""
    for suppression in suppressions:
        if suppression.expires >= today and _suppression_matches(suppression, finding):
            return suppression
    return None


def _suppression_matches(suppression: SuppressionConfig, finding: Finding) -> bool:
    if suppression.rule != finding.rule:
        return False
    targets = [finding.resource.id] + ([finding.resource.arn] if finding.resource.arn else [])
    return any(fnmatch.fnmatchcase(target, suppression.resource) for target in targets)


class _Suppressions:
    """A FAIL matched by an unexpired suppression becomes SUPPRESSED, keeping its status underneath.
    `finish` warns of suppressions that expired or matched no finding."""

    def __init__(
        self, suppressions: Sequence[SuppressionConfig], today: dt.date, warnings: list[str]
    ) -> None:
        self._suppressions = suppressions
        self._today = today
        self._warnings = warnings
        self._used: set[int] = set()
        self._by_rule: dict[str, list[int]] = {}
        for index, suppression in enumerate(suppressions):
            self._by_rule.setdefault(suppression.rule, []).append(index)

    def __call__(self, finding: Finding) -> Finding:
        candidates = self._by_rule.get(finding.rule)
        if not candidates:
            return finding
        suppressions = self._suppressions
        matches = [index for index in candidates if _suppression_matches(suppressions[index], finding)]
        self._used.update(matches)
        active = [suppressions[index] for index in matches if suppressions[index].expires >= self._today]
        if finding.status is not Status.FAIL or not active:
            return finding
        suppression = active[0]
        return _replace(
            finding,
            status=Status.SUPPRESSED,
            suppression=Suppression(
                reason=suppression.reason,
                expires=str(suppression.expires),
                status_underneath=Status.FAIL,
            ),
        )

    def finish(self) -> None:
        for index, suppression in enumerate(self._suppressions):
            where = f"suppression of {suppression.rule} for {suppression.resource!r}"
            if suppression.expires < self._today:
                self._warnings.append(f"{where} expired on {suppression.expires}: its findings count again")
            elif index not in self._used:
                self._warnings.append(f"{where} matches no finding")


def _replace(finding: Finding, **changes: object) -> Finding:
    return msgspec.structs.replace(finding, **changes)
