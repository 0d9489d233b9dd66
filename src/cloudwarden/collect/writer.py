"""The one place that changes AWS resources: `cloudwarden fix --apply` and `--rollback` send their calls
here, through a session whose guard allows exactly the operations the fixers declare (and
sts.GetCallerIdentity), never the scanner's session. The scanner's read-only guard is untouched: a scan
or a collection can no more write than before.
"""

from __future__ import annotations

from typing import Any

import botocore.exceptions
from botocore import xform_name

from cloudwarden.collect.session import AwsSession, ReadOnlyViolation

IDENTITY = "sts.GetCallerIdentity"


class CallFailed(Exception):
    """A call that AWS refused or that got no usable answer; nothing to retry here."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class WriterError(Exception):
    """No session could be made with these credentials (an unknown profile, a broken configuration)."""


EXTRA_READS = frozenset({IDENTITY, "s3.HeadBucket"})
"""Besides the plan's own calls: who the credentials are, and the read botocore makes on its own to
find a bucket's region after a redirect."""


class Writer:
    """Sends single calls with the credentials of `profile`, refusing any operation not in `allowed`.

    Each call is sent once, never retried: a write whose answer is lost may have taken effect, and
    retrying it would make a second, different change (a record set deleted twice is an error, a
    change that failed for throttling is reported as failed and can be applied again)."""

    def __init__(self, profile: str | None, allowed: frozenset[str]) -> None:
        try:
            self._session = AwsSession(profile, allowed=allowed | EXTRA_READS, attempts=1)
        except botocore.exceptions.BotoCoreError as error:
            raise WriterError(f"cannot use these credentials: {error}") from error
        self._identity: dict[str, Any] | None = None

    def _whoami(self) -> dict[str, Any]:
        if self._identity is None:
            self._identity = self.send("sts", "GetCallerIdentity", {}, None)
        return self._identity

    def account(self) -> str:
        """The account these credentials are in."""
        return str(self._whoami()["Account"])

    def caller(self) -> str:
        """The ARN of the identity these credentials are."""
        return str(self._whoami()["Arn"])

    def send(
        self, service: str, operation: str, parameters: dict[str, Any], region: str | None
    ) -> dict[str, Any]:
        """The answer of one call (botocore's parsed dict, without its ResponseMetadata), or CallFailed."""
        try:
            client = self._session.client(service, region)
            method = getattr(client, xform_name(operation))
            answer: dict[str, Any] = method(**parameters)
        except botocore.exceptions.ClientError as error:
            details = error.response.get("Error", {})
            raise CallFailed(str(details.get("Code", "Unknown")), str(details.get("Message", ""))) from error
        except (botocore.exceptions.BotoCoreError, ValueError, AttributeError, ReadOnlyViolation) as error:
            raise CallFailed(type(error).__name__, str(error)) from error
        answer.pop("ResponseMetadata", None)
        return answer
