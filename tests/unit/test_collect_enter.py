"""Entering an account: credentials of the wrong account never get scanned as the account asked for."""

from __future__ import annotations

from typing import Any, cast

from cloudwarden.collect import _enter
from cloudwarden.collect.session import AwsSession


class _Sts:
    def __init__(self, account: str) -> None:
        self._account = account

    def get_caller_identity(self) -> dict[str, Any]:
        return {"Account": self._account}


class _Session:
    def __init__(self, account: str) -> None:
        self._sts = _Sts(account)

    def client(self, service: str) -> _Sts:
        assert service == "sts"
        return self._sts


ROLE = "arn:aws:iam::222233334444:role/Audit"


def test_credentials_of_another_account_leave_the_account_unreachable() -> None:
    entered = _enter(cast(AwsSession, _Session("999999999999")), "222233334444", ROLE, "us-east-1")
    assert entered is not None
    assert entered.account_id == "222233334444"
    assert (
        entered.unreachable == f"assuming {ROLE} gave credentials of account 999999999999, not 222233334444"
    )


def test_credentials_of_the_account_let_the_scan_in() -> None:
    assert _enter(cast(AwsSession, _Session("222233334444")), "222233334444", ROLE, "us-east-1") is None
