"""Rule `cloudtrail-segregated-storage`: every scanned region ships its logs to storage outside the
account, which an attacker in the account cannot reach."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.findings import Resource, Severity, Status, UnknownCause
from cloudwarden.ruledoc import Example
from cloudwarden.rules.base import (
    Rule,
    RuleContext,
    Tristate,
    Verdict,
    account_resource,
    cause_of,
    tri_and,
    tri_or,
    unknown_because,
)
from cloudwarden.semantics.cloudtrail import PlannedField, management_write_coverage, planned_operation
from cloudwarden.semantics.inventory import Held
from cloudwarden.snapshot import (
    AccountSnapshot,
    ApiError,
    BucketOwnership,
    CloudTrailData,
    Collection,
    ErrorIndex,
    Trail,
)

PLANNED_TRAIL_TYPE = "AWS::CloudTrail::Trail"
"""The resource of a finding on a trail of a plan or template (a partial snapshot): the trail itself."""


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


def _all_listed(account: AccountSnapshot, own: frozenset[str] | None, errors: ErrorIndex) -> bool:
    """Whether `own` is every bucket of the account. Laid over a collected account whose buckets could
    not be listed (`iac --snapshot`), the account holds the documents' buckets only: those are its
    own, but a bucket missing from them may be too."""
    if own is None:
        return False
    return not (account.live_context and errors.errors_for("s3", "ListBuckets"))


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
    if not _all_listed(account, own, context.errors(account)) and confirmed is None:
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
    _judge_recording(judgement, context.errors(account))
    ownership = next((entry for entry in data.bucket_ownership if entry.bucket == trail.s3_bucket), None)
    _judge_destination(judgement, account, ownership, context)
    return judgement


def _judge_recording(judgement: _Judgement, errors: ErrorIndex) -> None:
    """Whether the trail logs, without delivery error, and records management write events."""
    trail = judgement.trail
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


def _planned_fact(
    judgement: _Judgement, errors: ErrorIndex, field: PlannedField, what: str, found: list[ApiError]
) -> bool:
    """Whether the trail's `field` is known; when it is not, its unknown is noted."""
    unknown = errors.errors_for("cloudtrail", planned_operation(field), resource=judgement.trail.arn)
    if unknown:
        judgement.unknowns.append(unknown_because(unknown, what))
        found.extend(unknown)
    return not unknown


def _judge_planned_destination(
    judgement: _Judgement, account: AccountSnapshot, context: RuleContext, found: list[ApiError]
) -> None:
    """The destination seen from a document: a bucket it creates is this account's; any other bucket
    is trusted only by name (its owner cannot be asked of S3 without the live account)."""
    trail, settings = judgement.trail, context.config.cloudtrail
    known = _planned_fact(
        judgement, context.errors(account), PlannedField.BUCKET, f"the bucket {trail.name} delivers to", found
    )
    bucket = trail.s3_bucket
    if not known or not bucket:
        if known:
            judgement.misses.append("no S3 destination")
        return
    own = _own_buckets(account) or frozenset()
    if bucket in own:
        judgement.misses.append(
            f"own bucket: delivers to {bucket}, a bucket the same document creates (this account)"
        )
        judgement.destination = f"{bucket} (created by this document)"
        return
    if any(fnmatch.fnmatchcase(bucket, pattern) for pattern in settings.trusted_buckets):
        judgement.destination = f"{bucket} (cloudtrail.trusted_buckets)"
        return
    accounts = (
        "; cloudtrail.trusted_accounts cannot be confirmed to own it without AWS"
        if settings.trusted_accounts
        else ""
    )
    judgement.unknowns.append(
        f"cannot tell whether {bucket} is outside this account: the live account is not visible; list it in "
        f"cloudtrail.trusted_buckets or give --snapshot{accounts}"
    )
    judgement.unchecked += 1


def _judge_overlaid_destination(
    judgement: _Judgement, account: AccountSnapshot, context: RuleContext, found: list[ApiError]
) -> bool:
    """The destination of a document's trail laid over the collected account (`iac --snapshot`): judged
    as a live scan judges it, the account's own buckets being the documents' and the collected ones,
    with the collected `HeadBucket` answers. True when it stays unknown because of a failed read (the
    account's buckets could not be listed), not because it was not checked."""
    trail = judgement.trail
    known = _planned_fact(
        judgement, context.errors(account), PlannedField.BUCKET, f"the bucket {trail.name} delivers to", found
    )
    if not known:
        return False
    data = account.cloudtrail or CloudTrailData()
    ownership = next((entry for entry in data.bucket_ownership if entry.bucket == trail.s3_bucket), None)
    unknowns, unchecked = len(judgement.unknowns), judgement.unchecked
    _judge_destination(judgement, account, ownership, context)
    return len(judgement.unknowns) - unknowns > judgement.unchecked - unchecked


def _judge_planned_trail(account: AccountSnapshot, trail: Trail, context: RuleContext) -> Verdict:
    """One trail of a plan or template, on its own: would it satisfy the guideline for the account?"""
    errors = context.errors(account)
    judgement = _Judgement(trail)
    found: list[ApiError] = []
    multi_region = _planned_fact(
        judgement, errors, PlannedField.MULTI_REGION, f"whether {trail.name} is multi-region", found
    )
    if multi_region and not trail.is_multi_region:
        judgement.misses.append(f"single-region trail of {trail.home_region}: other regions are not covered")
    global_events = _planned_fact(
        judgement,
        errors,
        PlannedField.GLOBAL_EVENTS,
        f"whether {trail.name} includes global service events",
        found,
    )
    if global_events and not trail.include_global_service_events:
        judgement.misses.append("no global service events (IAM, STS, CloudFront)")
    _judge_recording(judgement, errors)
    found += errors.errors_for("cloudtrail", "GetTrailStatus", "GetEventSelectors", resource=trail.arn)
    failed_read = False
    if account.live_context:
        failed_read = _judge_overlaid_destination(judgement, account, context, found)
    else:
        _judge_planned_destination(judgement, account, context, found)
    resource = Resource(
        type=PLANNED_TRAIL_TYPE, id=trail.arn, arn=trail.arn if trail.account_id else None, name=trail.name
    )
    evidence = _trail_evidence(judgement) | {
        "trusted_buckets": list(context.config.cloudtrail.trusted_buckets),
        "trusted_accounts": list(context.config.cloudtrail.trusted_accounts),
    }
    region = trail.home_region
    if judgement.misses:
        message = f"{trail.name}: " + "; ".join(judgement.misses)
        return Verdict(Status.FAIL, resource, message, region=region, evidence=evidence)
    if judgement.unknowns:
        cause = cause_of(tuple(found)) if found else UnknownCause.NOT_CHECKED
        return Verdict(
            Status.UNKNOWN,
            resource,
            f"{trail.name}: " + "; ".join(judgement.unknowns),
            region=region,
            evidence=evidence,
            unknown_cause=UnknownCause.FAILED_CALL if failed_read else cause,
        )
    message = (
        f"{trail.name} is multi-region, logging, records management write events and global service "
        f"events, and delivers to {judgement.destination}"
    )
    if judgement.warnings:
        evidence["warnings"] = judgement.warnings
        message += "; warning: " + "; ".join(judgement.warnings)
    return Verdict(Status.PASS, resource, message, region=region, evidence=evidence)


def check_segregated_storage(account: AccountSnapshot, context: RuleContext) -> Iterator[Verdict]:
    resource = account_resource(account.account_id)
    data = account.cloudtrail
    if data is None:
        yield Verdict(Status.UNKNOWN, resource, "CloudTrail data is missing from the snapshot")
        return
    if account.partial:
        # Other trails may cover the account outside the document: each of its trails is judged alone.
        for trail in data.trails:
            yield _judge_planned_trail(account, trail, context)
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
        "includes global service events (IAM, STS, CloudFront). From `iac`, per trail of the documents: "
        "what it misses, or a bucket the documents create; with `--snapshot`, also a bucket the collected "
        "account lists, and the live destination failures above."
    ),
    unknown=(
        "Nothing known decides a FAIL and something that could is unknown: CloudTrail data is missing from "
        "the snapshot; the account's regions could not be read (`DescribeRegions`); the trails of a scanned "
        "region could not be listed (`DescribeTrails` in that region); a trail's status (`GetTrailStatus`) "
        "or event selectors (`GetEventSelectors`) could not be read; the account's own buckets could not be "
        "listed (`ListBuckets`) and no owner of the destination is confirmed, so it may be in this account. "
        "The message names each failed call. When the only unknown is that a bucket's owner was never asked "
        "about an account trusted after the snapshot was collected, the verdict is UNKNOWN as not checked "
        "(collect again with this configuration), not as a failed read. From `iac`, per trail: a value "
        "left to deployment (`known-after-apply`); without `--snapshot`, a bucket neither in the document "
        "nor trusted by name (`not-checked`); with it, the collected account's buckets could not be listed "
        "(`failed-call`)."
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
        Example(
            Status.FAIL,
            "A Terraform plan's multi-region `aws_cloudtrail.main` delivers to `aws_s3_bucket.logs`, a "
            "bucket the same plan creates, so in the account it logs.",
        ),
        Example(
            Status.UNKNOWN,
            "A template's trail delivers to `org-cloudtrail-archive`, which is not in the template and not "
            "in `cloudtrail.trusted_buckets` (not checked: the live account is not visible).",
        ),
    ),
    iac=(
        "Each `aws_cloudtrail` and `AWS::CloudTrail::Trail` on its own, one finding per trail "
        "(`resource.type` `AWS::CloudTrail::Trail`): other trails may cover the account outside the "
        "document, so its coverage is not judged, and a document without a trail gives no finding. PASS "
        "when the trail would satisfy the guideline alone: multi-region, logging, recording management "
        "write events, including global service events, and delivering to a bucket matched by "
        "`cloudtrail.trusted_buckets`. FAIL naming what it misses: single-region, not logging, no "
        "management write events, no global service events, or a destination bucket the same document "
        "creates (the account's own). UNKNOWN (`known-after-apply`) naming the attribute when one of these "
        "is left to deployment; UNKNOWN (`not-checked`) when the bucket is neither in the document nor "
        "trusted by name: the live account is not visible (list it in `cloudtrail.trusted_buckets` or give "
        "`--snapshot`; `cloudtrail.trusted_accounts` cannot be confirmed without AWS). Defaults where the "
        "configuration is silent: logging on (Terraform; `IsLogging` is required in CloudFormation), "
        "global service events on, single-region, and all management events when there is no selector. "
        "With `--snapshot`, each trail is still judged on its own, but its destination as a live scan "
        "judges it, the documents' buckets and the collected account's being its own: a bucket among "
        "them FAILs (own bucket); any other is judged by `cloudtrail.trusted_buckets`, "
        "`cloudtrail.trusted_accounts` and the collected `HeadBucket` answers (with no trust list, PASS "
        "with the unverified-destination warning); when the collected buckets could not be listed, a "
        "bucket the documents do not create is UNKNOWN (`failed-call`). A trail whose ARN the plan knows, "
        "or a template's trail named like one of the account's trails in its region, stands for that "
        "trail; findings on the account's other trails are not reported."
    ),
    check=check_segregated_storage,
)
