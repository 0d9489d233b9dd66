"""Collection: the only part of cloudwarden that talks to AWS. It turns API answers into a Snapshot."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TypeVar

import msgspec
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from cloudwarden import __version__
from cloudwarden.collect.cloudtrail import collect_cloudtrail
from cloudwarden.collect.context import CALL_FAILURES, AccountContext, failure_details
from cloudwarden.collect.ec2 import collect_ec2
from cloudwarden.collect.iam import collect_iam
from cloudwarden.collect.live import LiveChecker
from cloudwarden.collect.operations import with_requirements
from cloudwarden.collect.route53 import collect_route53
from cloudwarden.collect.s3 import collect_s3
from cloudwarden.collect.session import AwsSession, ReadOnlyViolation, is_declared
from cloudwarden.config import Config
from cloudwarden.interrupt import signals_blocked_in_new_threads
from cloudwarden.ip_ranges import load_aws_ranges
from cloudwarden.snapshot import (
    ALL_COLLECTIONS,
    AccountSnapshot,
    AccountStats,
    ApiError,
    Collection,
    IamData,
    S3Data,
    ScanInfo,
    Snapshot,
    merge_operations,
)

__all__ = [
    "COLLECTORS",
    "CollectOptions",
    "NoProgress",
    "Progress",
    "ReadOnlyViolation",
    "ScanAborted",
    "collect",
    "collect_account",
    "identify",
    "is_declared",
    "unreachable_account",
]

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

    def status(self, name: str, text: str) -> None:
        """A step's state in words (accounts running and failed on a cluster)."""


class NoProgress:
    def step(self, name: str, total: int | None) -> None:
        pass

    def advance(self, name: str) -> None:
        pass

    def done(self, name: str) -> None:
        pass

    def status(self, name: str, text: str) -> None:
        pass


@dataclass(frozen=True)
class CollectOptions:
    profile: str | None = None
    regions: tuple[str, ...] = ()
    """Regions to scan; empty means every region enabled for the account."""
    max_workers: int = 16
    trusted_accounts: tuple[str, ...] = ()
    """Accounts asked about as owners of the trails' destination buckets (cloudtrail.trusted_accounts)."""
    dns_trusted_accounts: tuple[str, ...] = ()
    """Accounts asked about as owners of the buckets S3 records serve (route53.trusted_accounts)."""
    aws_ranges: tuple[str, ...] | None = None
    """AWS's published address ranges (from route53.aws_ip_ranges_file), kept in the snapshot."""
    live: bool = False
    """Probe Route53 targets with DNS and HTTP (route53.live_checks or --live)."""
    nameservers: tuple[str, ...] = ()
    """Resolvers for live checks (ip or ip:port); empty means the system's."""
    accounts: tuple[str, ...] = ()
    """Other accounts to scan, entered through AssumeRole (accounts.ids, --account)."""
    organization: bool = False
    """Scan every active account of the AWS Organization (accounts.organization, --org)."""
    exclude: tuple[str, ...] = ()
    role_name: str = "OrganizationAccountAccessRole"
    external_id: str | None = None
    max_parallel_accounts: int = 8
    cluster: str | None = None
    """A Dask scheduler's address (execution.cluster, --cluster): accounts are collected by its workers."""
    collections: frozenset[Collection] = ALL_COLLECTIONS
    """The parts of each account to collect (`rules.collections_needed` of the rules asked), with
    what they are built from (`operations.REQUIRES`); the regions are always read."""

    @classmethod
    def from_config(
        cls,
        settings: Config,
        *,
        profile: str | None = None,
        regions: Sequence[str] = (),
        live: bool = False,
        accounts: Sequence[str] = (),
        organization: bool = False,
        cluster: str | None = None,
        collections: frozenset[Collection] = ALL_COLLECTIONS,
    ) -> CollectOptions:
        """The options of a scan configured by `settings`, with what the command line adds: `accounts`
        beside the configured ones; `live`, `organization` and `cluster` over theirs. Reads
        `route53.aws_ip_ranges_file` (`InputError` when it cannot be read or is not AWS's format)."""
        return cls(
            profile=profile,
            regions=tuple(regions),
            trusted_accounts=settings.cloudtrail.trusted_accounts,
            dns_trusted_accounts=settings.route53.trusted_accounts,
            aws_ranges=load_aws_ranges(settings.route53.aws_ip_ranges_file),
            live=live or settings.route53.live_checks,
            nameservers=settings.route53.nameservers,
            accounts=(*settings.accounts.ids, *accounts),
            organization=organization or settings.accounts.organization,
            exclude=settings.accounts.exclude,
            role_name=settings.accounts.role_name,
            external_id=settings.accounts.external_id,
            max_parallel_accounts=settings.accounts.max_parallel,
            cluster=cluster or settings.execution.cluster,
            collections=collections,
        )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def collect(options: CollectOptions, progress: Progress | None = None) -> Snapshot:
    """Collect every account of the scan: the credentials' own, then those entered by AssumeRole."""
    progress = progress or NoProgress()
    started = _now()
    try:
        # Call threads and collector threads both make calls: the connection pool must fit them all.
        session = AwsSession(options.profile, max_connections=options.max_workers + len(COLLECTORS) + 1)
    except BotoCoreError as error:
        raise ScanAborted(str(error)) from error
    progress.step("identity", None)
    caller = identify(session)
    targets = _targets(session, caller, options)
    progress.done("identity")
    several = len(targets) > 1
    if options.cluster:
        # Dask is an optional extra, imported only when a cluster is asked for.
        from cloudwarden.collect.cluster import collect_on_cluster

        accounts = collect_on_cluster(options.cluster, targets, options, progress)
    else:
        pool = ThreadPoolExecutor(max_workers=options.max_parallel_accounts, thread_name_prefix="account")
        try:
            with signals_blocked_in_new_threads():  # the pool's threads are started by `submit`
                futures = [
                    pool.submit(collect_account, session, caller, account_id, options, progress, several)
                    for account_id in targets
                ]
            accounts = tuple(future.result() for future in futures)
        except BaseException:
            # An error or an interrupt reaches the caller at once: the accounts not begun are
            # cancelled, and those running (blocked in AWS calls, which only read) are not waited for.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    return Snapshot(
        scan=ScanInfo(
            started_at=started,
            finished_at=_now(),
            tool_version=__version__,
            regions_requested=options.regions or None,
        ),
        accounts=accounts,
        stats=merge_operations(
            session.statistics.snapshot(),
            *(account.stats.operations for account in accounts if account.stats is not None),
        ),
        errors=tuple(error for account in accounts for error in account.errors),
    )


def _targets(session: AwsSession, caller: str, options: CollectOptions) -> tuple[str, ...]:
    """The accounts to scan, the credentials' own first; AWS Organizations lists them with --org."""
    listed = list(options.accounts)
    if options.organization:
        try:
            paginator = session.client("organizations").get_paginator("list_accounts")
            listed += [
                str(account["Id"])
                for page in paginator.paginate()
                for account in page.get("Accounts", [])
                if account.get("Status", "ACTIVE") == "ACTIVE"
            ]
        except ClientError as error:
            details = error.response.get("Error", {})
            raise ScanAborted(
                "cannot list the organization's accounts (run from the management account or a delegated "
                f"administrator): {details.get('Code', 'error')}: {details.get('Message', '')}"
            ) from error
        except CALL_FAILURES as error:
            code, message = failure_details(error)
            raise ScanAborted(f"cannot list the organization's accounts: {code}: {message}") from error
    excluded = set(options.exclude)
    return tuple(account for account in dict.fromkeys((caller, *listed)) if account not in excluded)


def collect_account(
    base: AwsSession,
    caller: str,
    account_id: str,
    options: CollectOptions,
    progress: Progress,
    several: bool,
) -> AccountSnapshot:
    """One account, with the time and calls it cost. The credentials' own account (`caller`) is read
    directly, any other through AssumeRole; one that cannot be entered is kept with the reason, so its
    rules say UNKNOWN."""
    started = time.perf_counter()
    if account_id == caller:
        session = base.sibling()
        account = _collect_one(session, account_id, options, _Prefixed(progress, account_id, several))
    else:
        role_arn = f"arn:aws:iam::{account_id}:role/{options.role_name}"
        session = base.assume(role_arn, options.external_id)
        account = _enter(session, account_id, role_arn, base.home_region) or _collect_one(
            session, account_id, options, _Prefixed(progress, account_id, several)
        )
    stats = AccountStats(
        seconds=round(time.perf_counter() - started, 3), operations=session.statistics.snapshot()
    )
    return msgspec.structs.replace(account, stats=stats)


def _enter(session: AwsSession, account_id: str, role_arn: str, region: str) -> AccountSnapshot | None:
    """None when the assumed role works in `account_id`; else the account, unreachable, with the reason."""
    try:
        entered = str(session.client("sts").get_caller_identity()["Account"])
    except CALL_FAILURES as error:
        code, message = failure_details(error)
        failure = ApiError(
            account=account_id,
            service="sts",
            operation="AssumeRole",
            region=region,
            code=code,
            message=message,
            resource=role_arn,
        )
        return unreachable_account(account_id, f"cannot assume {role_arn}: {code}: {message}", failure)
    if entered != account_id:
        return unreachable_account(
            account_id, f"assuming {role_arn} gave credentials of account {entered}, not {account_id}"
        )
    return None


def unreachable_account(account_id: str, reason: str, *errors: ApiError) -> AccountSnapshot:
    """An account none of whose data was read, with why: every rule says UNKNOWN for it."""
    return AccountSnapshot(
        account_id=account_id, regions=(), iam=IamData(), collected=(), errors=errors, unreachable=reason
    )


class _Prefixed:
    """Progress steps named after their account when several accounts are scanned at once."""

    def __init__(self, progress: Progress, account_id: str, several: bool) -> None:
        self._progress = progress
        self._prefix = f"{account_id} " if several else ""

    def step(self, name: str, total: int | None) -> None:
        self._progress.step(self._prefix + name, total)

    def advance(self, name: str) -> None:
        self._progress.advance(self._prefix + name)

    def done(self, name: str) -> None:
        self._progress.done(self._prefix + name)

    def status(self, name: str, text: str) -> None:
        self._progress.status(self._prefix + name, text)


def _collect_one(
    session: AwsSession, account_id: str, options: CollectOptions, progress: Progress
) -> AccountSnapshot:
    """The collections asked of one account. One not asked is left empty, as "not read" (`IamData()`,
    `S3Data()` whose buckets are None, None for the others), and is missing from `collected`."""
    wanted = with_requirements(options.collections)
    # Collectors run side by side and wait on their own calls; the calls run on a separate bounded
    # pool and never wait on anything, so no thread ever waits on a task queued behind it.
    with (
        ThreadPoolExecutor(max_workers=options.max_workers, thread_name_prefix="call") as calls,
        ThreadPoolExecutor(max_workers=len(COLLECTORS) + 1, thread_name_prefix="collector") as collectors,
    ):
        context = AccountContext(session=session, account_id=account_id)

        def run(collection: Collection, work: Callable[[], T], not_read: T) -> Future[T]:
            if collection not in wanted:
                skipped: Future[T] = Future()
                skipped.set_result(not_read)
                return skipped
            return collectors.submit(_tracked, progress, collection.value, work)

        regions = collectors.submit(
            _tracked, progress, "regions", lambda: options.regions or _enabled_regions(context)
        )
        iam = run(Collection.IAM, lambda: collect_iam(context, calls), IamData())
        s3 = run(Collection.S3, lambda: collect_s3(context, calls, progress), S3Data())
        trails = run(
            Collection.CLOUDTRAIL,
            lambda: collect_cloudtrail(context, calls, regions.result(), options.trusted_accounts),
            None,
        )
        network = run(Collection.EC2, lambda: collect_ec2(context, calls, regions.result()), None)
        dns = run(
            Collection.ROUTE53,
            lambda: collect_route53(
                context,
                calls,
                regions.result(),
                network.result,
                options.aws_ranges,
                LiveChecker(options.nameservers) if options.live else None,
                options.dns_trusted_accounts,
                s3.result,
            ),
            None,
        )
        return AccountSnapshot(
            account_id=account_id,
            regions=regions.result(),
            iam=iam.result(),
            s3=s3.result(),
            cloudtrail=trails.result(),
            ec2=network.result(),
            route53=dns.result(),
            collected=tuple(sorted(wanted)),
            errors=context.errors,
        )


COLLECTORS = ("regions", "iam", "s3", "cloudtrail", "ec2", "route53")


def _tracked(progress: Progress, name: str, work: Callable[[], T]) -> T:
    progress.step(name, None)
    result = work()
    progress.done(name)
    return result


def identify(session: AwsSession) -> str:
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
    except CALL_FAILURES as error:  # no answer, or an answer that is none
        code, message = failure_details(error)
        raise ScanAborted(f"cannot reach AWS: {code}: {message}") from error


def _enabled_regions(context: AccountContext) -> tuple[str, ...]:
    region = context.session.home_region

    def read() -> tuple[str, ...]:
        answer = context.session.client("ec2", region).describe_regions()
        return tuple(sorted(entry["RegionName"] for entry in answer.get("Regions", [])))

    return _or_default(context.attempt("ec2", "DescribeRegions", region, read), ())


def _or_default(value: T | None, default: T) -> T:
    return default if value is None else value
