"""What one account's collectors share: the session, the account, and where failed calls go."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from cloudwarden.collect.session import AwsSession
from cloudwarden.snapshot import ApiError

T = TypeVar("T")

CALL_FAILURES = (ClientError, BotoCoreError, ResponseParserError)
"""What a failed AWS call raises, after botocore's retries: an error answer (ClientError), no answer
(a connection refused, a timeout: BotoCoreError), or an answer that is none (an HTML page from a
proxy, a truncated or garbled body: ResponseParserError, which botocore never retries). Each is
recorded and leaves the data it should have brought missing; anything else is a bug and ends the scan."""
CallFailure = ClientError | BotoCoreError | ResponseParserError

MALFORMED_ANSWER = "MalformedAnswer"


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


def failure_details(error: CallFailure) -> tuple[str, str]:
    """The code and message a failed call is recorded with.

    A parser error keeps only its first line: botocore appends the whole body it could not parse."""
    if isinstance(error, ClientError):
        return error_code(error), str(error.response.get("Error", {}).get("Message", str(error)))
    if isinstance(error, ResponseParserError):
        return MALFORMED_ANSWER, str(error).partition("\n")[0].removesuffix(" Further retries may succeed:")
    return type(error).__name__, str(error)


def absent_when(codes: frozenset[str], read: Callable[[], T]) -> T | None:
    """Run `read`; an error whose code means "there is none" (e.g. NoSuchBucketPolicy) is an answer:
    None. Every other error is raised for the caller to record."""
    try:
        return read()
    except ClientError as error:
        if error_code(error) in codes:
            return None
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
        """Run `read`; on a failed call (`CALL_FAILURES`) record it and return None (the data is missing)."""
        try:
            return read()
        except CALL_FAILURES as error:
            called = error.operation_name if isinstance(error, ClientError) else None
            self.record_failure(service, called or operation, region, error, resource)
        return None

    def record_failure(
        self, service: str, operation: str, region: str, error: CallFailure, resource: str | None = None
    ) -> None:
        self.record(service, operation, region, *failure_details(error), resource)

    @property
    def errors(self) -> tuple[ApiError, ...]:
        with self._lock:
            return tuple(self._errors)
