"""Planning: from a JSON report's FAIL findings to the exact changes that fix them (no AWS call).

Every finding of the report is either planned (one change or more, from its rule's fixer), listed as
manual (a person must act: the rule has no fixer, or the fixer cannot do all of it), or left out with
its reason, counted in `left_out`. Never planned, whatever the fixers could do:
- a finding that is not FAIL (PASS, UNKNOWN, MANUAL), SUPPRESSED in the report, or matched by an
  unexpired suppression of the configuration given to `fix` (one added since the scan counts);
- an attested finding (it is PASS);
- a bucket declared public (`s3.public_buckets`), a group designated for internet egress
  (`security_groups.internet_egress_groups`, or `internet_egress_group` in the finding's evidence); a
  group whose designation cannot be told from the report (tag-designated groups in the configuration,
  a report without the evidence) is left out too;
- a disruptive change (revoking direct internet egress, deactivating access keys) without
  `--include-disruptive`;
- a finding of `iac` (a plan's resource is fixed in its code, not in the account).

Two findings may ask to revoke the same permission of one group (a world-open all-traffic rule of
the default group is both too broad and internal all-ports): the permission is revoked once, by the
first change, which names the other finding in `also_fixes`.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import msgspec

from cloudwarden.config import Config
from cloudwarden.engine import active_suppression
from cloudwarden.findings import Finding, Report, Status
from cloudwarden.remedy import Call, Fixer, Remedy, State
from cloudwarden.rules import FIXERS, RULES_BY_ID

FIX_SCHEMA = "cloudwarden.fix/1"

S3_RULE = "s3-no-public-access"
EGRESS_RULE = "sg-egress-via-nsm-only"
_EVERY_PERMISSION = "*"
SECURITY_GROUP_TYPE = "AWS::EC2::SecurityGroup"


Target = tuple[str, str, State, str, str]
"""Account, region, state, the read that shows it, and which part of what it shows."""

_PART_OF_STATE = {State.SECURITY_GROUP_RULES: "direction", State.ACCESS_KEY: "access_key_id"}
"""The key of `before` that tells apart the states one read shows: a group's ingress rules from its
egress rules (revoking one with the other's call would be wrong), a user's access keys from each
other (deactivating two keys of one user are two changes)."""


class LeftOut:
    """Why a finding is in no change and no manual step (the keys of `left_out`)."""

    NOT_SELECTED = "not-selected"
    PASS = "pass"
    UNKNOWN = "unknown"
    MANUAL = "manual"
    SUPPRESSED = "suppressed"
    ATTESTED = "attested"
    DECLARED_PUBLIC = "declared-public"
    INTERNET_EGRESS_GROUP = "internet-egress-group"
    DISRUPTIVE = "disruptive"
    IAC = "iac"


_KEPT_ON_PURPOSE = frozenset({"suppressed", "attested", "declared-public", "internet-egress-group"})
"""Left out because people decided to keep them: what they name is never changed by another finding's
change."""


class Change(Remedy, frozen=True, kw_only=True):
    """A remedy for one finding of the report, on the resource of that finding."""

    finding: str
    rule: str
    account: str
    region: str
    resource: str
    alternatives: tuple[Remedy, ...] = ()
    also_fixes: tuple[str, ...] = ()
    """Other findings this change fixes too (the same permission revoked for two rules)."""

    @property
    def target(self) -> Target:
        """What the change alters: two changes of one target must not both be planned blindly."""
        part = _PART_OF_STATE.get(self.state)
        which = "" if part is None else str(self.before.get(part))
        return (self.account, self.region, self.state, _canonical(self.read), which)


class ManualStep(msgspec.Struct, frozen=True, kw_only=True):
    """A FAIL (or the part of it) that only a person can fix, with the steps."""

    finding: str
    rule: str
    account: str
    region: str
    resource: str
    why: str
    steps: str


class Plan(msgspec.Struct, frozen=True, kw_only=True):
    report: str
    """The report planned from (its path, as given)."""
    scanned_at: str
    changes: tuple[Change, ...]
    manual: tuple[ManualStep, ...]
    left_out: dict[str, int]


@dataclass(frozen=True)
class Selection:
    """`--rule`, `--finding`, `--account`: which findings of the report to plan for (None: all)."""

    rules: frozenset[str] | None = None
    findings: frozenset[str] | None = None
    accounts: frozenset[str] | None = None

    def wants(self, finding: Finding) -> bool:
        return (
            (self.rules is None or finding.rule in self.rules)
            and (self.findings is None or finding.id in self.findings)
            and (self.accounts is None or finding.account in self.accounts)
        )


def plan_fixes(
    report: Report,
    report_name: str,
    config: Config,
    selection: Selection = Selection(),
    *,
    include_disruptive: bool = False,
    today: dt.date | None = None,
    fixers: dict[str, Fixer] = FIXERS,
) -> Plan:
    """The plan for `report` under `config` (pure: no AWS call, no file)."""
    day = today or dt.datetime.now(dt.UTC).date()
    planner = _Planner(config, day, include_disruptive, fixers)
    for finding in report.findings:
        planner.add(finding, selection)
    planner.keep_protected()
    return Plan(
        report=report_name,
        scanned_at=report.scan.started_at,
        changes=tuple(planner.changes),
        manual=tuple(planner.manual),
        left_out=dict(sorted(planner.left_out.items())),
    )


class _Planner:
    def __init__(self, config: Config, today: dt.date, include_disruptive: bool, fixers: dict[str, Fixer]):
        self._config = config
        self._today = today
        self._include_disruptive = include_disruptive
        self._fixers = fixers
        self.changes: list[Change] = []
        self.manual: list[ManualStep] = []
        self.left_out: dict[str, int] = {}
        self._by_target: dict[Target, int] = {}
        self._protected: dict[tuple[str, str, str, str], dict[str, str]] = {}
        """Per (account, region, group, direction): the permissions that findings left out on purpose
        name (canonical form -> finding id): no other finding's change may revoke them."""

    def _leave_out(self, reason: str) -> None:
        self.left_out[reason] = self.left_out.get(reason, 0) + 1

    def add(self, finding: Finding, selection: Selection) -> None:
        reason = self._reason_to_leave_out(finding, selection)
        if reason is not None:
            self._leave_out(reason)
            if reason in _KEPT_ON_PURPOSE:
                self._protect(finding)
            return
        fixer = self._fixers.get(finding.rule)
        if fixer is None:
            self._manual(finding, "no API call fixes this rule's findings", _steps(finding))
            return
        try:
            proposal = fixer.propose(finding)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
            # Evidence of the wrong shape (an edited or corrupt report): no change is guessed from it.
            self._manual(
                finding, f"no change can be planned: its evidence is malformed ({error!r})", _steps(finding)
            )
            return
        undeclared = sorted(
            {
                call.key
                for remedy in (*proposal.remedies, *proposal.alternatives)
                for call in (remedy.read, *remedy.calls, *remedy.rollback)
            }
            - fixer.operations
        )
        if undeclared:
            raise AssertionError(
                f"the fixer of {finding.rule} proposed undeclared calls: {', '.join(undeclared)}"
            )
        if proposal.unplannable is not None:
            self._manual(finding, f"no change can be planned: {proposal.unplannable}", _steps(finding))
            return
        if any(remedy.disruptive for remedy in proposal.remedies) and not self._include_disruptive:
            self._leave_out(LeftOut.DISRUPTIVE)
            return
        for remedy in proposal.remedies:
            self._plan_remedy(finding, remedy, proposal.alternatives)
        if proposal.manual is not None:
            why = "part of it needs a person" if proposal.remedies else "no API call fixes it"
            self._manual(finding, why, proposal.manual)

    def _reason_to_leave_out(self, finding: Finding, selection: Selection) -> str | None:
        if not selection.wants(finding):
            return LeftOut.NOT_SELECTED
        if finding.location is not msgspec.UNSET:
            return LeftOut.IAC
        if finding.status is Status.SUPPRESSED:
            return LeftOut.SUPPRESSED
        if finding.status is Status.PASS:
            return LeftOut.ATTESTED if "attested_by" in finding.evidence else LeftOut.PASS
        if finding.status is Status.UNKNOWN:
            return LeftOut.UNKNOWN
        if finding.status is Status.MANUAL:
            return LeftOut.MANUAL
        if active_suppression(self._config.suppressions, finding, self._today) is not None:
            return LeftOut.SUPPRESSED
        if finding.rule == S3_RULE and (
            finding.evidence.get("declared_public") is not False
            or _declared_public(finding, self._config.s3.public_buckets)
        ):
            return LeftOut.DECLARED_PUBLIC  # declared when scanned, now, or a report that does not say
        if finding.resource.type == SECURITY_GROUP_TYPE and self._maybe_egress_group(finding):
            return LeftOut.INTERNET_EGRESS_GROUP
        return None

    def _maybe_egress_group(self, finding: Finding) -> bool:
        """Designated, or possibly so: the report's own word, the configuration's ids, and any group
        when the configuration designates groups by tag (a report does not carry groups' tags)."""
        designated = self._config.security_groups.internet_egress_groups
        if finding.evidence.get("internet_egress_group") is not False:
            return True  # designated when scanned, or a report that does not say
        return any(entry == finding.resource.id or entry.startswith("tag:") for entry in designated)

    def _protect(self, finding: Finding) -> None:
        """Remember the permissions a group finding left out on purpose names, so that another rule's
        finding on the same group does not revoke them (a suppressed world-open rule of a default
        group is also an inbound rule of the default group)."""
        if finding.resource.type != SECURITY_GROUP_TYPE:
            return
        direction = "egress" if finding.rule == EGRESS_RULE else "ingress"
        offending = finding.evidence.get("offending_rules")
        key = (finding.account, finding.region, finding.resource.id, direction)
        protected = self._protected.setdefault(key, {})
        if not isinstance(offending, list):
            protected[_EVERY_PERMISSION] = finding.id  # cannot tell which: the group's rules are kept
            return
        for entry in offending:
            permission = entry.get("permission") if isinstance(entry, dict) else None
            if isinstance(permission, dict):
                protected[_canonical(permission)] = finding.id

    def keep_protected(self) -> None:
        """Take out of the revocations every permission a finding left out on purpose names; a change
        left with nothing to revoke is dropped. Each such permission becomes a manual note."""
        kept: list[Change] = []
        for change in self.changes:
            if change.state is not State.SECURITY_GROUP_RULES:
                kept.append(change)
                continue
            key = (change.account, change.region, change.resource, str(change.before.get("direction")))
            protected = self._protected.get(key, {})
            permissions = change.before["present"]
            blocked = [p for p in permissions if _EVERY_PERMISSION in protected or _canonical(p) in protected]
            if not blocked:
                kept.append(change)
                continue
            why = ", ".join(
                sorted({protected.get(_canonical(p), protected.get(_EVERY_PERMISSION, "")) for p in blocked})
            )
            self.manual.append(
                ManualStep(
                    finding=change.finding,
                    rule=change.rule,
                    account=change.account,
                    region=change.region,
                    resource=change.resource,
                    why=f"{len(blocked)} of its rules are kept: findings left out on purpose name them "
                    f"({why})",
                    steps="Review them with whoever suppressed or designated the group; change them by hand.",
                )
            )
            remaining = [p for p in permissions if p not in blocked]
            if remaining:
                kept.append(
                    msgspec.structs.replace(
                        change,
                        before={**change.before, "present": remaining},
                        after={**change.after, "absent": remaining},
                        calls=_with_permissions(change.calls, remaining),
                        rollback=_with_permissions(change.rollback, remaining),
                        summary=f"{change.summary} Except {len(blocked)} of them, kept on purpose "
                        "(see the manual steps).",
                    )
                )
        self.changes = kept

    def _plan_remedy(self, finding: Finding, remedy: Remedy, alternatives: tuple[Remedy, ...]) -> None:
        change = Change(
            **{field: getattr(remedy, field) for field in Remedy.__struct_fields__},
            finding=finding.id,
            rule=finding.rule,
            account=finding.account,
            region=finding.region,
            resource=finding.resource.id,
            alternatives=alternatives,
        )
        earlier = self._by_target.get(change.target)
        if earlier is None:
            self._by_target[change.target] = len(self.changes)
            self.changes.append(change)
            return
        first = self.changes[earlier]
        if change.state is State.SECURITY_GROUP_RULES:
            self._merge_revocation(earlier, first, change)
            return
        self._manual(
            finding,
            f"another change of this plan ({first.finding}) changes the same {change.state.value}: "
            "apply it, scan again, then fix what remains",
            _steps(finding),
        )

    def _merge_revocation(self, earlier: int, first: Change, change: Change) -> None:
        """The permissions of `change` that `first` does not revoke yet, revoked by `first` too: one
        call per group and direction, each permission once."""
        planned = list(first.before["present"])
        added = [permission for permission in change.before["present"] if permission not in planned]
        permissions = planned + added
        self.changes[earlier] = msgspec.structs.replace(
            first,
            before={**first.before, "present": permissions},
            after={**first.after, "absent": permissions},
            calls=_with_permissions(first.calls, permissions),
            rollback=_with_permissions(first.rollback, permissions),
            also_fixes=(*first.also_fixes, change.finding),
            summary=first.summary
            if not added
            else f"{first.summary}; and for {change.rule}: {change.summary}",
        )

    def _manual(self, finding: Finding, why: str, steps: str) -> None:
        self.manual.append(
            ManualStep(
                finding=finding.id,
                rule=finding.rule,
                account=finding.account,
                region=finding.region,
                resource=finding.resource.id,
                why=why,
                steps=steps,
            )
        )


def _with_permissions(calls: Iterable[Call], permissions: list[Any]) -> tuple[Call, ...]:
    return tuple(
        msgspec.structs.replace(call, parameters={**call.parameters, "IpPermissions": permissions})
        for call in calls
    )


def _declared_public(finding: Finding, patterns: Iterable[str]) -> bool:
    names = {finding.resource.id, finding.resource.name or finding.resource.id}
    return any(fnmatch.fnmatchcase(name, pattern) for name in names for pattern in patterns)


def _steps(finding: Finding) -> str:
    rule = RULES_BY_ID.get(finding.rule)
    return finding.remediation or (rule.remediation if rule is not None else "")


def _canonical(value: Call | dict[str, Any]) -> str:
    """A call, or a permission, as one comparable string."""
    if isinstance(value, Call):
        value = {"call": value.key, "parameters": value.parameters}
    return msgspec.json.encode(value, order="sorted").decode()
