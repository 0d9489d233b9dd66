"""The one place that changes AWS resources: `cloudwarden fix --apply` and `--rollback` send their calls
here, through a session whose guard allows exactly the operations the fixers declare (and
sts.GetCallerIdentity), never the scanner's session. The scanner's read-only guard is untouched: a scan
or a collection can no more write than before.
"""

from __future__ import annotations

from typing import Any

import botocore.exceptions
from botocore import xform_name

from cloudwarden.collect.session import AwsSession

IDENTITY = "sts.GetCallerIdentity"


class CallFailed(Exception):
    """A call that AWS refused or that got no usable answer; nothing to retry here."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Writer:
    """Sends single calls with the credentials of `profile`, refusing any operation not in `allowed`."""

    def __init__(self, profile: str | None, allowed: frozenset[str]) -> None:
        self._session = AwsSession(profile, allowed=allowed | {IDENTITY})

    def account(self) -> str:
        """The account these credentials are in."""
        return str(self.send("sts", "GetCallerIdentity", {}, None)["Account"])

    def send(
        self, service: str, operation: str, parameters: dict[str, Any], region: str | None
    ) -> dict[str, Any]:
        """The answer of one call (botocore's parsed dict, without its ResponseMetadata), or CallFailed."""
        client = self._session.client(service, region)
        method = getattr(client, _snake(operation))
        try:
            answer: dict[str, Any] = method(**parameters)
        except botocore.exceptions.ClientError as error:
            details = error.response.get("Error", {})
            raise CallFailed(str(details.get("Code", "Unknown")), str(details.get("Message", ""))) from error
        except (botocore.exceptions.BotoCoreError, ValueError) as error:
            raise CallFailed(type(error).__name__, str(error)) from error
        answer.pop("ResponseMetadata", None)
        return answer


def _snake(operation: str) -> str:
    """boto3's method name of an operation (`PutBucketPolicy` -> `put_bucket_policy`)."""
    return str(xform_name(operation))
