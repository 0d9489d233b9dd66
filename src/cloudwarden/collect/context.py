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


@dataclass
class AccountContext:
    session: AwsSession
    account_id: str
    regions: tuple[str, ...]
    _errors: list[ApiError] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, service: str, operation: str, region: str, code: str, message: str) -> None:
        error = ApiError(
            account=self.account_id,
            service=service,
            operation=operation,
            region=region,
            code=code,
            message=message,
        )
        with self._lock:
            self._errors.append(error)

    def attempt(self, service: str, operation: str, region: str, read: Callable[[], T]) -> T | None:
        """Run `read`; on an AWS or transport error record it and return None (the data is missing)."""
        try:
            return read()
        except ClientError as error:
            details = error.response.get("Error", {})
            self.record(
                service,
                error.operation_name or operation,
                region,
                str(details.get("Code", "Unknown")),
                str(details.get("Message", str(error))),
            )
        except BotoCoreError as error:
            self.record(service, operation, region, type(error).__name__, str(error))
        return None

    @property
    def errors(self) -> tuple[ApiError, ...]:
        with self._lock:
            return tuple(self._errors)
