"""Rule `cloudtrail-segregated-storage`: every scanned region ships its logs to storage outside the
account, which an attacker in the account cannot reach."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.findings import Severity, Status, UnknownCause
from cloudwarden.ruledoc import Example
from cloudwarden.rules.base import (
    Rule,
    RuleContext,
    Tristate,
    Verdict,
    account_resource,
    tri_and,
    tri_or,
    unknown_because,
)
from cloudwarden.semantics.cloudtrail import management_write_coverage
from cloudwarden.semantics.inventory import Held
from cloudwarden.snapshot import AccountSnapshot, BucketOwnership, CloudTrailData, Collection, Trail


@dataclass
class _Judgement:
    """One trail against every condition that does not depend on the region."""

    trail: Trail
    misses: list[str] = field(default_factory=list)
    unknowns: list[str] = field(default_factory=list)
    unchecked: int = 0
    """How many of `unknowns` the scan was set up not to find out (nothing failed to be read)."""
    warnings: list[str] = field(default_factory=list)
    destination: str = ""

    @property
    def good(self) -> Tristate:
        if self.misses:
            return False
        return None if self.unknowns else True


def _own_buckets(account: AccountSnapshot) -> frozenset[str] | None:
    buckets = account.s3.buckets
    return None if buckets is None else frozenset(bucket.name for bucket in buckets)


def _judge_destination(
    judgement: _Judgement,
    account: AccountSnapshot,
    ownership: BucketOwnership | None,
    context: RuleContext,
) -> None:
    bucket = judgement.trail.s3_bucket
    if not bucket:
        judgement.misses.append("no S3 destination")
        return
    settings = context.config.cloudtrail
    own = _own_buckets(account)
    confirmed = ownership.confirmed_owner if ownership else None
    holder = context.inventory.holder(Held.BUCKET, bucket)
    if confirmed is None and holder is not None:
        confirmed = holder.account  # its own ListBuckets says so, as surely as HeadBucket would
    if (own is not None and bucket in own) or confirmed == account.account_id:
        judgement.misses.append(f"own bucket: delivers to {bucket}, in this account")
        judgement.destination = f"{bucket} (this account)"
        return
    if ownership is not None and ownership.exists is False:
        judgement.misses.append(f"delivers to {bucket}, which does not exist: anyone may create it")
        return
    if own is None and confirmed is None:
        judgement.unknowns.append(
            f"cannot tell whether {bucket} is in this account: "
            + unknown_because(
                context.errors(account).errors_for("s3", "ListBuckets"), "the account's buckets"
            )
        )
        return
    owner_note = f"owner {confirmed} confirmed" if confirmed else "owner not confirmed"
    judgement.destination = f"{bucket} ({owner_note})"
    if any(fnmatch.fnmatchcase(bucket, pattern) for pattern in settings.trusted_buckets):
        return
    if confirmed is not None and confirmed in settings.trusted_accounts:
        return
    if settings.trusted_buckets or settings.trusted_accounts:
        if confirmed is not None:
            judgement.misses.append(
                f"untrusted bucket: {bucket} belongs to {confirmed}, not a trusted account"
            )
            return
        refused = ownership.refused if ownership else ()
        unasked = [trusted for trusted in settings.trusted_accounts if trusted not in refused]
        if unasked:
            judgement.unknowns.append(
                f"the owner of {bucket} was not checked against {', '.join(unasked)} "
                "(collect again with this configuration)"
            )
            judgement.unchecked += 1
            return
        why = (
            f"S3 refused the ownership check for {', '.join(refused)} "
            "(not the owner, or no permission to ask)"
            if settings.trusted_accounts
            else "no trusted account is configured"
        )
        judgement.misses.append(
            f"untrusted bucket: {bucket} is not in cloudtrail.trusted_buckets and not confirmed to belong "
            f"to a trusted account ({why})"
        )
        return
    judgement.warnings.append(
        f"{bucket} is outside this account but the destination is unverified: configure "
        "cloudtrail.trusted_buckets or cloudtrail.trusted_accounts"
    )


def _judge_trail(
    account: AccountSnapshot, trail: Trail, data: CloudTrailData, context: RuleContext
) -> _Judgement:
    judgement = _Judgement(trail)
    errors = context.errors(account)
    status_errors = errors.errors_for("cloudtrail", "GetTrailStatus", resource=trail.arn)
    if trail.status is None:
        judgement.unknowns.append(unknown_because(status_errors, f"the status of {trail.name}"))
    else:
        if not trail.status.is_logging:
            judgement.misses.append("not logging")
        if trail.status.latest_delivery_error:
            judgement.misses.append(f"delivery error: {trail.status.latest_delivery_error}")
    if trail.selectors is None:
        selector_errors = errors.errors_for("cloudtrail", "GetEventSelectors", resource=trail.arn)
        judgement.unknowns.append(unknown_because(selector_errors, f"the event selectors of {trail.name}"))
    else:
        coverage = management_write_coverage(trail.selectors)
        if not coverage.records_management_writes:
            judgement.misses.append(f"no management write events ({coverage.explanation})")
    ownership = next((entry for entry in data.bucket_ownership if entry.bucket == trail.s3_bucket), None)
    _judge_destination(judgement, account, ownership, context)
    return judgement


def _why_not_applying(trail: Trail, region: str, data: CloudTrailData, account_id: str) -> str | None:
    """None when the trail applies to the region; otherwise why it does not."""
    if not (trail.is_multi_region or trail.home_region == region):
        return f"single-region trail of {trail.home_region}"
    if trail.account_id != account_id and not trail.is_organization_trail:
        return f"a trail of account {trail.account_id} that is not an organisation trail"
    if trail.arn not in data.regions.get(region, ()):
        return "not listed by DescribeTrails in this region"
    return None


def _trail_evidence(judgement: _Judgement) -> dict[str, Any]:
    trail = judgement.trail
    return {
        "name": trail.name,
        "home_region": trail.home_region,
        "multi_region": trail.is_multi_region,
        "organization_trail": trail.is_organization_trail,
        "owner_account": trail.account_id,
        "bucket": trail.s3_bucket,
        "destination": judgement.destination,
        "logging": None if trail.status is None else trail.status.is_logging,
        "latest_delivery_error": None if trail.status is None else trail.status.latest_delivery_error,
        "global_service_events": trail.include_global_service_events,
        "log_file_validation": trail.log_file_validation,
        "kms_key_id": trail.kms_key_id,
        "sns_topic_arn": trail.sns_topic_arn,
        "misses": judgement.misses,
        "unknown": judgement.unknowns,
    }


@dataclass
class _Region:
    """How one scanned region is covered."""

    covered: Tristate
    evidence: dict[str, Any]
    problem: str | None = None
    """Why it is not covered, or why that is unknown."""
    no_trail: bool = False
    good: list[_Judgement] = field(default_factory=list)
    applying: list[_Judgement] = field(default_factory=list)


def _region(
    account: AccountSnapshot,
    region: str,
    data: CloudTrailData,
    judgements: dict[str, _Judgement],
    context: RuleContext,
) -> _Region:
    if region not in data.regions:
        listing = context.errors(account).errors_for("cloudtrail", "DescribeTrails")
        errors = tuple(error for error in listing if error.region == region)
        return _Region(None, {"covered": None}, f"{region}: " + unknown_because(errors, "the trails"))
    reasons = {
        arn: _why_not_applying(judgement.trail, region, data, account.account_id)
        for arn, judgement in judgements.items()
    }
    applying = [judgement for arn, judgement in judgements.items() if reasons[arn] is None]
    covered = tri_or(*[judgement.good for judgement in applying])
    elsewhere = {
        judgement.trail.name: [reason] for arn, judgement in judgements.items() if (reason := reasons[arn])
    }
    evidence = {
        "covered": covered,
        "covered_by": [j.trail.name for j in applying if j.good],
        "trails": {j.trail.name: j.misses + j.unknowns for j in applying} | elsewhere,
    }
    result = _Region(covered, evidence, good=[j for j in applying if j.good], applying=applying)
    if covered is False and not applying:
        result.problem, result.no_trail = f"{region} (no trail applies)", True
    elif covered is False:
        result.problem = (
            f"{region} (" + "; ".join(f"{j.trail.name}: {', '.join(j.misses)}" for j in applying) + ")"
        )
    elif covered is None:
        unknown = "; ".join(f"{j.trail.name}: {', '.join(j.unknowns)}" for j in applying if j.unknowns)
        result.problem = f"{region}: {unknown}"
    return result


def check_segregated_storage(account: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
    resource = account_resource(account.account_id)
    data = account.cloudtrail
    if data is None:
        yield Verdict(Status.UNKNOWN, resource, "CloudTrail data is missing from the snapshot")
        return
    if not account.regions:
        errors = context.errors(account).errors_for("ec2", "DescribeRegions")
        yield Verdict(Status.UNKNOWN, resource, unknown_because(errors, "the account's regions"))
        return
    settings = context.config.cloudtrail
    judgements = {trail.arn: _judge_trail(account, trail, data, context) for trail in data.trails}
    regions = {region: _region(account, region, data, judgements, context) for region in account.regions}
    coverage = tri_and(*[region.covered for region in regions.values()])
    good = {j.trail.arn: j for region in regions.values() for j in region.good}
    covering = {j.trail.arn: j for region in regions.values() for j in region.applying}
    # Some covering trail must be good and include global events; an unreadable one may be it, and so
    # may a trail of a region whose trails could not be listed.
    unlisted: list[Tristate] = [None for name in regions if name not in data.regions]
    global_events = tri_or(
        *[j.good if j.trail.include_global_service_events else False for j in covering.values()], *unlisted
    )
    evidence: dict[str, Any] = {
        "regions": {name: region.evidence for name, region in regions.items()},
        "trails": {arn: _trail_evidence(judgement) for arn, judgement in sorted(judgements.items())},
        "organization": None
        if data.organization is None
        else {"id": data.organization.id, "management_account": data.organization.management_account},
        "trusted_buckets": list(settings.trusted_buckets),
        "trusted_accounts": list(settings.trusted_accounts),
    }
    verdict = tri_and(coverage, global_events)
    if verdict is False:
        problems = []
        uncovered = [
            region.problem for region in regions.values() if region.covered is False and region.problem
        ]
        if uncovered:
            problems.append("regions not covered: " + ", ".join(uncovered))
        if global_events is False and (good or not problems):
            problems.append("no covering trail includes global service events (IAM, STS, CloudFront)")
        no_trail = any(region.no_trail for region in regions.values())
        severity = Severity.CRITICAL if no_trail else Severity.HIGH
        yield Verdict(Status.FAIL, resource, "; ".join(problems), evidence=evidence, severity=severity)
    elif verdict is None:
        unknown = [region.problem for region in regions.values() if region.covered is None and region.problem]
        only_unchecked = not unlisted and all(len(j.unknowns) == j.unchecked for j in judgements.values())
        yield Verdict(
            Status.UNKNOWN,
            resource,
            "; ".join(unknown) or "trail data is incomplete",
            evidence=evidence,
            unknown_cause=UnknownCause.NOT_CHECKED if only_unchecked else UnknownCause.FAILED_CALL,
        )
    else:
        warnings = sorted({warning for judgement in good.values() for warning in judgement.warnings})
        evidence["warnings"] = warnings
        destinations = ", ".join(sorted({f"{j.trail.name} -> {j.destination}" for j in good.values()}))
        message = f"all {len(regions)} scanned regions ship logs to segregated storage: {destinations}"
        if warnings:
            message += "; warning: " + "; ".join(warnings)
        yield Verdict(Status.PASS, resource, message, evidence=evidence)


CLOUDTRAIL_SEGREGATED_STORAGE = Rule(
    id="cloudtrail-segregated-storage",
    section="CloudTrail",
    guideline="Use the Mozilla Secure CloudTrail Storage System",
    audited_upstream=True,
    severity=Severity.HIGH,
    resource_type="AWS::::Account",
    summary=(
        "Whether the account's CloudTrail logs survive its compromise, one finding per account. Every "
        "scanned region must be covered by at least one trail that applies there (multi-region, or its home "
        "region; this account's, or an organisation trail of the management account; and listed by "
        "`DescribeTrails` in that region) and that is good: logging with no delivery error, recording "
        "management write events (classic or advanced event selectors), and delivering to an S3 bucket "
        "outside this account that is trusted: named in `cloudtrail.trusted_buckets` (glob patterns, "
        "case-sensitive), or owned by an account of `cloudtrail.trusted_accounts`, as S3 confirms "
        "(`HeadBucket` with `ExpectedBucketOwner`, asked at collection). At least one covering trail must "
        "also include global service events. A bucket that another scanned account lists as its own has that "
        "account as its confirmed owner, as if S3 had confirmed it. With no trust list configured, a bucket "
        "outside the account passes with a warning that the destination is unverified; a bucket in this "
        "account always fails. Log file validation, KMS encryption and the SNS topic are recorded in the "
        "evidence without deciding the verdict."
    ),
    passes=(
        "Every scanned region is covered by a good trail and one covering trail includes global service "
        "events. The message names each covering trail and its destination, and carries the "
        "unverified-destination warning when no trust list is configured. A trail whose status or selectors "
        "could not be read does not matter when another good trail covers the same regions."
    ),
    fails=(
        "A scanned region has no trail that applies there (critical), or only trails that are not good "
        "(high): not logging, a delivery error, no management write events (read-only selectors, or advanced "
        "selectors that record only data events), no S3 destination, a bucket in this account (even when "
        "listed as trusted), a bucket that does not exist (S3 answered 404: anyone may create it), or, with "
        "trust lists configured, a bucket that matches no trusted name and is not confirmed to belong to a "
        "trusted account (it belongs to an untrusted account, S3 refused the ownership check for every "
        "trusted account, or none is configured). Or every region is covered, but no good covering trail "
        "includes global service events (IAM, STS, CloudFront)."
    ),
    unknown=(
        "Nothing known decides a FAIL and something that could is unknown: CloudTrail data is missing from "
        "the snapshot; the account's regions could not be read (`DescribeRegions`); the trails of a scanned "
        "region could not be listed (`DescribeTrails` in that region); a trail's status (`GetTrailStatus`) "
        "or event selectors (`GetEventSelectors`) could not be read; the account's own buckets could not be "
        "listed (`ListBuckets`) and no owner of the destination is confirmed, so it may be in this account. "
        "The message names each failed call. When the only unknown is that a bucket's owner was never asked "
        "about an account trusted after the snapshot was collected, the verdict is UNKNOWN as not checked "
        "(collect again with this configuration), not as a failed read."
    ),
    rationale=(
        "An attacker who controls an account will try to erase the record of what they did. Logs "
        "delivered, from every region, to a bucket in a separate, locked-down account survive that: "
        "nobody in the audited account can delete them."
    ),
    remediation=(
        "Create (or keep) one multi-region trail that includes global service events and management "
        "events (read and write), and point its S3 bucket at the central archive bucket owned by the "
        "security account (`aws cloudtrail update-trail --name <trail> --s3-bucket-name <archive> "
        "--is-multi-region-trail --include-global-service-events`), or rely on the organisation trail "
        "of the management account. Start logging, fix any delivery error (the archive's bucket "
        "policy must allow cloudtrail.amazonaws.com to write under AWSLogs/<account id>/), and list "
        "the archive in cloudtrail.trusted_buckets or its account in cloudtrail.trusted_accounts."
    ),
    permissions=(
        "cloudtrail:DescribeTrails",
        "cloudtrail:GetTrailStatus",
        "cloudtrail:GetEventSelectors",
        "organizations:DescribeOrganization",
        "s3:ListBucket",
        "s3:ListAllMyBuckets",
        "ec2:DescribeRegions",
    ),
    needs=frozenset({Collection.CLOUDTRAIL, Collection.S3}),
    examples=(
        Example(
            Status.PASS,
            "One multi-region trail, logging, with global service events, delivers to "
            "`security-cloudtrail-archive`, which S3 confirms the trusted log archive account owns.",
        ),
        Example(
            Status.PASS, "A member account is covered by the organisation trail of its management account."
        ),
        Example(Status.FAIL, "No trail applies in any scanned region (critical)."),
        Example(Status.FAIL, "The only trail delivers to `app-assets`, a bucket of this account (high)."),
        Example(Status.FAIL, "A single-region trail of us-east-1 leaves eu-west-1 uncovered (critical)."),
        Example(Status.UNKNOWN, "`GetTrailStatus` was denied (AccessDeniedException) for the only trail."),
    ),
    check=check_segregated_storage,
)
