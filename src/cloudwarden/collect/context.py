"""What one account's collectors share: the session, the account, and where failed calls go."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from cloudwarden.collect.session import AwsSession
from cloudwarden.snapshot import ApiError

T = TypeVar("T")


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


def absent_when(codes: frozenset[str], read: Callable[[], T], absent: T | None = None) -> T | None:
    """Run `read`; an error whose code means "there is none" (e.g. NoSuchBucketPolicy) is an answer:
    `absent`. Every other error is raised for the caller to record."""
    try:
        return read()
    except ClientError as error:
        if error_code(error) in codes:
            return absent
        raise


@dataclass
class AccountContext:
    session: AwsSession
    account_id: str
    _errors: list[ApiError] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(
        self, service: str, operation: str, region: str, code: str, message: str, resource: str | None = None
    ) -> None:
        error = ApiError(
            account=self.account_id,
            service=service,
            operation=operation,
            region=region,
            code=code,
            message=message,
            resource=resource,
        )
        with self._lock:
            self._errors.append(error)

    def attempt(
        self,
        service: str,
        operation: str,
        region: str,
        read: Callable[[], T],
        resource: str | None = None,
    ) -> T | None:
        """Run `read`; on an AWS or transport error record it and return None (the data is missing)."""
        try:
            return read()
        except ClientError as error:
            self.record(
                service,
                error.operation_name or operation,
                region,
                error_code(error),
                str(error.response.get("Error", {}).get("Message", str(error))),
                resource,
            )
        except BotoCoreError as error:
            self.record(service, operation, region, type(error).__name__, str(error), resource)
        return None

    @property
    def errors(self) -> tuple[ApiError, ...]:
        with self._lock:
            return tuple(self._errors)
