"""Collection: the only part of cloudwarden that talks to AWS. It turns API answers into a Snapshot."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from cloudwarden import __version__
from cloudwarden.collect.cloudtrail import collect_cloudtrail
from cloudwarden.collect.context import AccountContext
from cloudwarden.collect.ec2 import collect_ec2
from cloudwarden.collect.iam import collect_iam
from cloudwarden.collect.live import LiveChecker
from cloudwarden.collect.route53 import collect_route53
from cloudwarden.collect.s3 import collect_s3
from cloudwarden.collect.session import AwsSession, ReadOnlyViolation, is_read_only
from cloudwarden.snapshot import AccountSnapshot, ScanInfo, Snapshot

__all__ = ["CollectOptions", "Progress", "ReadOnlyViolation", "ScanAborted", "collect", "is_read_only"]

T = TypeVar("T")


class ScanAborted(Exception):
    """The scan cannot run at all: no credentials, or AWS cannot be reached."""


class Progress(Protocol):
    """Where collection reports what it is doing; called from several threads."""

    def step(self, name: str, total: int | None) -> None:
        """A step begins, or learns how many items it has."""

    def advance(self, name: str) -> None:
        """One item of a step is done."""

    def done(self, name: str) -> None:
        """A step is finished."""


class _NoProgress:
    def step(self, name: str, total: int | None) -> None:
        pass

    def advance(self, name: str) -> None:
        pass

    def done(self, name: str) -> None:
        pass


@dataclass(frozen=True)
class CollectOptions:
    profile: str | None = None
    regions: tuple[str, ...] = ()
    """Regions to scan; empty means every region enabled for the account."""
    max_workers: int = 16
    trusted_accounts: tuple[str, ...] = ()
    aws_ranges: tuple[str, ...] | None = None
    """AWS's published address ranges (from route53.aws_ip_ranges_file), kept in the snapshot."""
    live: bool = False
    """Probe Route53 targets with DNS and HTTP (route53.live_checks or --live)."""
    nameservers: tuple[str, ...] = ()
    """Resolvers for live checks (ip or ip:port); empty means the system's."""
    """Accounts asked about as owners of the trails' destination buckets (cloudtrail.trusted_accounts)."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def collect(options: CollectOptions, progress: Progress | None = None) -> Snapshot:
    progress = progress or _NoProgress()
    started = _now()
    try:
        session = AwsSession(options.profile, max_connections=options.max_workers)
    except BotoCoreError as error:
        raise ScanAborted(str(error)) from error
    progress.step("identity", None)
    account_id = _identify(session)
    progress.done("identity")
    # Collectors run side by side and wait on their own calls; the calls run on a separate bounded
    # pool and never wait on anything, so no thread ever waits on a task queued behind it.
    with (
        ThreadPoolExecutor(max_workers=options.max_workers, thread_name_prefix="call") as calls,
        ThreadPoolExecutor(max_workers=len(COLLECTORS) + 1, thread_name_prefix="collector") as collectors,
    ):
        context = AccountContext(session=session, account_id=account_id, regions=options.regions)
        regions = collectors.submit(
            _tracked, progress, "regions", lambda: options.regions or _enabled_regions(context)
        )
        iam = collectors.submit(_tracked, progress, "iam", lambda: collect_iam(context, calls))
        s3 = collectors.submit(_tracked, progress, "s3", lambda: collect_s3(context, calls, progress))
        trails = collectors.submit(
            _tracked,
            progress,
            "cloudtrail",
            lambda: collect_cloudtrail(context, calls, regions.result(), options.trusted_accounts),
        )
        network = collectors.submit(
            _tracked, progress, "ec2", lambda: collect_ec2(context, calls, regions.result())
        )
        dns = collectors.submit(
            _tracked,
            progress,
            "route53",
            lambda: collect_route53(
                context,
                calls,
                regions.result(),
                network.result,
                options.aws_ranges,
                LiveChecker(options.nameservers) if options.live else None,
            ),
        )
        account = AccountSnapshot(
            account_id=account_id,
            regions=regions.result(),
            iam=iam.result(),
            s3=s3.result(),
            cloudtrail=trails.result(),
            ec2=network.result(),
            route53=dns.result(),
            errors=context.errors,
        )
    return Snapshot(
        scan=ScanInfo(
            started_at=started,
            finished_at=_now(),
            tool_version=__version__,
            regions_requested=options.regions or None,
        ),
        accounts=(account,),
        stats=session.statistics.snapshot(),
        errors=account.errors,
    )


COLLECTORS = ("regions", "iam", "s3", "cloudtrail", "ec2", "route53")


def _tracked(progress: Progress, name: str, work: Callable[[], T]) -> T:
    progress.step(name, None)
    result = work()
    progress.done(name)
    return result


def _identify(session: AwsSession) -> str:
    """The account the credentials belong to; failing here means the scan cannot run."""
    try:
        return str(session.client("sts").get_caller_identity()["Account"])
    except NoCredentialsError as error:
        raise ScanAborted(
            "no AWS credentials found (set a profile with --profile or AWS_PROFILE, or the AWS_* variables)"
        ) from error
    except NoRegionError as error:
        raise ScanAborted(str(error)) from error
    except ClientError as error:
        details = error.response.get("Error", {})
        raise ScanAborted(
            f"AWS refused the credentials: {details.get('Code', 'error')}: {details.get('Message', '')}"
        ) from error
    except BotoCoreError as error:
        raise ScanAborted(f"cannot reach AWS: {error}") from error


def _enabled_regions(context: AccountContext) -> tuple[str, ...]:
    region = context.session.home_region

    def read() -> tuple[str, ...]:
        answer = context.session.client("ec2", region).describe_regions()
        return tuple(sorted(entry["RegionName"] for entry in answer.get("Regions", [])))

    return _or_default(context.attempt("ec2", "DescribeRegions", region, read), ())


def _or_default(value: T | None, default: T) -> T:
    return default if value is None else value
