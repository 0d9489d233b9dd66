"""Collection: the only part of cloudwarden that talks to AWS. It turns API answers into a Snapshot."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from cloudwarden import __version__
from cloudwarden.collect.context import AccountContext
from cloudwarden.collect.iam import collect_iam
from cloudwarden.collect.session import AwsSession, ReadOnlyViolation, is_read_only
from cloudwarden.snapshot import AccountSnapshot, ScanInfo, Snapshot

__all__ = ["CollectOptions", "Progress", "ReadOnlyViolation", "ScanAborted", "collect", "is_read_only"]

T = TypeVar("T")


class ScanAborted(Exception):
    """The scan cannot run at all: no credentials, or AWS cannot be reached."""


class Progress(Protocol):
    def step(self, name: str, total: int | None = None) -> None: ...

    def advance(self, name: str) -> None: ...


class _NoProgress:
    def step(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, name: str) -> None:
        pass


@dataclass(frozen=True)
class CollectOptions:
    profile: str | None = None
    regions: tuple[str, ...] = ()
    """Regions to scan; empty means every region enabled for the account."""
    max_workers: int = 16


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def collect(options: CollectOptions, progress: Progress | None = None) -> Snapshot:
    progress = progress or _NoProgress()
    started = _now()
    try:
        session = AwsSession(options.profile, max_connections=options.max_workers)
    except BotoCoreError as error:
        raise ScanAborted(str(error)) from error
    progress.step("identity", 1)
    account_id = _identify(session)
    progress.advance("identity")
    with ThreadPoolExecutor(max_workers=options.max_workers, thread_name_prefix="collect") as pool:
        context = AccountContext(session=session, account_id=account_id, regions=())
        progress.step("regions", 1)
        regions = options.regions or _enabled_regions(context)
        progress.advance("regions")
        context.regions = regions
        progress.step("iam", 1)
        iam = collect_iam(context, pool)
        progress.advance("iam")
    account = AccountSnapshot(account_id=account_id, regions=regions, iam=iam, errors=context.errors)
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
