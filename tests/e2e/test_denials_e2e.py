"""A bucket policy the scan may not read, end to end: the bucket is UNKNOWN (a failed call), never PASS,
whatever the policy would have said; only NoSuchBucketPolicy is an answer (no policy: the PASS path).
The other buckets keep the verdicts of a calm scan, and a run with nothing FAILing exits 3."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cloudwarden_emulator import Emulator

from .scanner import finding, scan_rule

RULE = "s3-no-public-access"
ALL_USERS = "uri=http://acs.amazonaws.com/groups/global/AllUsers"


def _policy(bucket: str, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _buckets(emulator: Emulator, *, public: bool) -> None:
    """Buckets whose calm verdicts are all PASS, and with `public` one FAIL by its ACL (no policy)."""
    s3 = emulator.client("s3")
    for name in ("no-policy", "vpce-only", "account-only"):
        s3.create_bucket(Bucket=name)
    s3.put_bucket_policy(
        Bucket="vpce-only", Policy=_policy("vpce-only", {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}})
    )
    s3.put_bucket_policy(
        Bucket="account-only",
        Policy=_policy("account-only", {"StringEquals": {"aws:SourceAccount": "111122223333"}}),
    )
    if public:
        s3.create_bucket(Bucket="acl-public-read")
        s3.put_bucket_acl(Bucket="acl-public-read", GrantRead=ALL_USERS)


def _deny_policy(
    emulator: Emulator, bucket: str = "[^/?]+", code: str = "AccessDenied", status: int = 403
) -> None:
    """Fail GetBucketPolicy (`?policy`, not GetBucketPolicyStatus's `?policyStatus`) for `bucket`."""
    emulator.inject_error(
        "s3", method="GET", path_regex=rf"^/{bucket}/?\?policy$", code=code, message="denied", status=status
    )


def _scan(emulator: Emulator, directory: Path, exit_code: int) -> dict[str, Any]:
    run = scan_rule(emulator, directory, RULE, "{}\n")
    assert run.exit_code == exit_code, run.stderr
    return run.json()


def _verdicts(document: dict[str, Any]) -> set[tuple[str, str, str | None]]:
    """(bucket, status, unknown cause) of each finding of the rule."""
    return {
        (item["resource"]["id"], item["status"], item.get("unknown_cause"))
        for item in document["findings"]
        if item["rule"] == RULE
    }


def test_calm_scan_passes_every_bucket(emulator: Emulator, tmp_path: Path) -> None:
    """The reference the other tests change one call of."""
    _buckets(emulator, public=True)

    document = _scan(emulator, tmp_path, exit_code=1)

    assert _verdicts(document) == {
        ("no-policy", "PASS", None),
        ("vpce-only", "PASS", None),
        ("account-only", "PASS", None),
        ("acl-public-read", "FAIL", None),
    }


def test_a_denied_policy_makes_only_its_bucket_unknown_and_the_run_exit_3(
    emulator: Emulator, tmp_path: Path
) -> None:
    _buckets(emulator, public=False)
    _deny_policy(emulator, "vpce-only")

    document = _scan(emulator, tmp_path, exit_code=3)

    assert _verdicts(document) == {
        ("no-policy", "PASS", None),
        ("vpce-only", "UNKNOWN", "failed-call"),
        ("account-only", "PASS", None),
    }
    message = finding(document, RULE, "vpce-only")["message"]
    assert "s3:GetBucketPolicy" in message
    assert "AccessDenied" in message
    assert [(error["operation"], error["resource"]) for error in document["scan"]["errors"]] == [
        ("GetBucketPolicy", "vpce-only")
    ]


def test_every_policy_denied_leaves_no_bucket_passing_and_a_public_acl_failing(
    emulator: Emulator, tmp_path: Path
) -> None:
    """The ACL alone makes a bucket public, whatever its policy: that FAIL still decides the exit code."""
    _buckets(emulator, public=True)
    _deny_policy(emulator)

    document = _scan(emulator, tmp_path, exit_code=1)

    assert _verdicts(document) == {
        ("no-policy", "UNKNOWN", "failed-call"),
        ("vpce-only", "UNKNOWN", "failed-call"),
        ("account-only", "UNKNOWN", "failed-call"),
        ("acl-public-read", "FAIL", None),
    }


def test_every_policy_denied_without_a_fail_exits_3(emulator: Emulator, tmp_path: Path) -> None:
    _buckets(emulator, public=False)
    _deny_policy(emulator)

    document = _scan(emulator, tmp_path, exit_code=3)

    assert {status for _, status, _ in _verdicts(document)} == {"UNKNOWN"}
    assert len(_verdicts(document)) == 3


@pytest.mark.parametrize(
    ("code", "status", "no_policy_verdict"),
    [
        pytest.param("NoSuchBucketPolicy", 404, ("PASS", None), id="no-such-bucket-policy-is-an-answer"),
        pytest.param("AccessDenied", 403, ("UNKNOWN", "failed-call"), id="access-denied"),
        pytest.param("AllAccessDisabled", 403, ("UNKNOWN", "failed-call"), id="all-access-disabled"),
        pytest.param("NoSuchBucket", 404, ("UNKNOWN", "failed-call"), id="bucket-gone-is-no-answer"),
        pytest.param("MethodNotAllowed", 405, ("UNKNOWN", "failed-call"), id="method-not-allowed"),
    ],
)
def test_only_no_such_bucket_policy_means_no_policy(
    emulator: Emulator, tmp_path: Path, code: str, status: int, no_policy_verdict: tuple[str, str | None]
) -> None:
    """The same answer for a bucket without a policy and one whose policy exists: NoSuchBucketPolicy says
    "no policy" for both (S3 is trusted: the one with a policy passes on that word), any other error
    leaves both unknown."""
    _buckets(emulator, public=False)
    _deny_policy(emulator, "(no-policy|account-only)", code=code, status=status)

    document = _scan(emulator, tmp_path, exit_code=0 if no_policy_verdict[0] == "PASS" else 3)

    assert _verdicts(document) == {
        ("no-policy", *no_policy_verdict),
        ("vpce-only", "PASS", None),
        ("account-only", *no_policy_verdict),
    }


def test_a_denied_public_policy_fails_on_aws_own_policy_status(emulator: Emulator, tmp_path: Path) -> None:
    """GetBucketPolicyStatus still answers IsPublic: AWS's word that the policy is public decides."""
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="policy-read")
    s3.put_bucket_policy(Bucket="policy-read", Policy=_policy("policy-read"))
    _deny_policy(emulator, "policy-read")

    document = _scan(emulator, tmp_path, exit_code=1)

    assert _verdicts(document) == {("policy-read", "FAIL", None)}
