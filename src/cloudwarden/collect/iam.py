"""IAM: account-wide facts with a constant number of calls, however many users the account has.

- the credential report (generate, poll with backoff under an overall deadline, then read);
- the account summary (root password, MFA and access key flags);
- the assigned virtual MFA devices (to tell a root virtual MFA from a hardware or FIDO one);
- the access keys of each user the report shows with an active key and no MFA (one ListAccessKeys per
  such user): the report names no key, and deactivating one (`cloudwarden fix`) takes its id.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime
from functools import partial
from typing import Any

import msgspec
from botocore.exceptions import ClientError

from cloudwarden.collect.context import AccountContext
from cloudwarden.semantics.credentials import ROOT_USER, Flag, parse_flag
from cloudwarden.snapshot import AccessKey, CredentialReport, CredentialReportRow, IamData, VirtualMfaDevice

SERVICE = "iam"
_REPORT_FIELDS = frozenset(CredentialReportRow.__struct_fields__)
_REPORT_NOT_READY = frozenset({"ReportInProgress", "ReportNotPresent", "ReportExpired"})


def collect_iam(context: AccountContext, pool: Executor, report_timeout: float = 120.0) -> IamData:
    region = context.session.home_region
    report = pool.submit(
        context.attempt,
        SERVICE,
        "GetCredentialReport",
        region,
        lambda: _credential_report(context, report_timeout),
    )
    summary = pool.submit(context.attempt, SERVICE, "GetAccountSummary", region, lambda: _summary(context))
    devices = pool.submit(
        context.attempt, SERVICE, "ListVirtualMFADevices", region, lambda: _virtual_mfa_devices(context)
    )
    credential_report = report.result()
    return IamData(
        credential_report=credential_report,
        account_summary=summary.result(),
        virtual_mfa_devices=devices.result(),
        access_keys=_access_keys(context, pool, credential_report),
    )


def _access_keys(
    context: AccountContext, pool: Executor, report: CredentialReport | None
) -> dict[str, tuple[AccessKey, ...]] | None:
    """The keys of every user whose report row shows an active access key and no MFA, asked side by side
    on the call pool; a user whose listing failed is left out (the failure is recorded). None without a
    report: whose keys to ask for is not known."""
    if report is None:
        return None
    region = context.session.home_region
    answers = [
        (
            row.user,
            pool.submit(
                context.attempt,
                SERVICE,
                "ListAccessKeys",
                region,
                partial(_user_access_keys, context, row.user),
                row.user,
            ),
        )
        for row in report.rows
        if row.user != ROOT_USER and _keys_without_mfa(row)
    ]
    return {user: keys for user, answer in answers if (keys := answer.result()) is not None}


def _keys_without_mfa(row: CredentialReportRow) -> bool:
    active = (parse_flag(row.access_key_1_active), parse_flag(row.access_key_2_active))
    return Flag.YES in active and parse_flag(row.mfa_active) is Flag.NO


def _user_access_keys(context: AccountContext, user: str) -> tuple[AccessKey, ...]:
    paginator = context.session.client(SERVICE).get_paginator("list_access_keys")
    keys: list[AccessKey] = []
    for page in paginator.paginate(UserName=user):
        for key in page.get("AccessKeyMetadata", []):
            created = key.get("CreateDate")
            keys.append(
                AccessKey(
                    id=str(key["AccessKeyId"]),
                    status=str(key["Status"]),
                    created=created.isoformat() if isinstance(created, datetime) else None,
                )
            )
    return tuple(keys)


def _summary(context: AccountContext) -> dict[str, int]:
    answer = context.session.client(SERVICE).get_account_summary()
    return {str(key): int(value) for key, value in answer.get("SummaryMap", {}).items()}


def _virtual_mfa_devices(context: AccountContext) -> tuple[VirtualMfaDevice, ...]:
    paginator = context.session.client(SERVICE).get_paginator("list_virtual_mfa_devices")
    devices: list[VirtualMfaDevice] = []
    for page in paginator.paginate(AssignmentStatus="Assigned"):
        for device in page.get("VirtualMFADevices", []):
            enabled = device.get("EnableDate")
            devices.append(
                VirtualMfaDevice(
                    serial_number=device["SerialNumber"],
                    user_arn=device.get("User", {}).get("Arn"),
                    enable_date=enabled.isoformat() if isinstance(enabled, datetime) else None,
                )
            )
    return tuple(devices)


def _credential_report(
    context: AccountContext,
    timeout: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> CredentialReport | None:
    """Ask for a fresh report and wait for it; a report that does not come in time is an error."""
    client = context.session.client(SERVICE)
    deadline = clock() + timeout
    delay = 0.25
    while True:
        state = client.generate_credential_report().get("State")
        if state == "COMPLETE":
            try:
                answer = client.get_credential_report()
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") not in _REPORT_NOT_READY:
                    raise
            else:
                return parse_credential_report(answer["Content"], answer.get("GeneratedTime"))
        if clock() + delay > deadline:
            context.record(
                SERVICE,
                "GenerateCredentialReport",
                context.session.home_region,
                "Timeout",
                f"the credential report was not ready after {timeout:.0f} s",
            )
            return None
        sleep(delay)
        delay = min(delay * 2, 5.0)


def parse_credential_report(content: bytes | str, generated: Any = None) -> CredentialReport:
    """The report's CSV as rows; columns this version does not know are ignored."""
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    rows = []
    for record in csv.DictReader(io.StringIO(text)):
        values = {key: value for key, value in record.items() if key in _REPORT_FIELDS and value is not None}
        if "user" in values:
            rows.append(msgspec.convert(values, CredentialReportRow))
    return CredentialReport(
        generated_time=generated.isoformat() if isinstance(generated, datetime) else None,
        rows=tuple(rows),
    )
