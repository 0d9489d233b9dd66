"""The snapshot file: a saved scan reads back identical; anything else is a SnapshotError."""

from __future__ import annotations

import json
import os
from pathlib import Path

import msgspec
import pytest

from cloudwarden.snapshot import (
    SNAPSHOT_SCHEMA,
    AccessKey,
    OperationStats,
    Snapshot,
    SnapshotError,
    dump_snapshot,
    load_snapshot,
)

from .builders import (
    ACCOUNT_ID,
    OTHER_ACCOUNT_ID,
    account,
    alias_record,
    api_error,
    console_user,
    credential_report,
    key_user,
    root_row,
    route53_account,
    route53_data,
    snapshot,
    virtual_mfa,
)


def _full_snapshot() -> Snapshot:
    denied = api_error("GetAccountSummary", account_id=OTHER_ACCOUNT_ID)
    first = account(
        report=credential_report(root_row(), console_user("alice", mfa=False), key_user("deploy", mfa=True)),
        devices=(virtual_mfa(f"arn:aws:iam::{ACCOUNT_ID}:root"), virtual_mfa(None, serial="unassigned")),
    )
    second = account(account_id=OTHER_ACCOUNT_ID, summary=None, report=None, devices=None, errors=[denied])
    scan = snapshot(first, second, errors=[denied])
    return Snapshot(
        scan=scan.scan,
        accounts=scan.accounts,
        errors=scan.errors,
        stats={"iam.GetAccountSummary": OperationStats(calls=2, errors=1, retries=1, seconds=0.125)},
    )


def _write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_snapshot_round_trips_through_a_file(tmp_path: Path) -> None:
    original = _full_snapshot()
    path = tmp_path / "scan.json"
    dump_snapshot(original, path)
    loaded = load_snapshot(path)
    assert loaded == original
    assert loaded.schema == SNAPSHOT_SCHEMA
    assert loaded.accounts[1].iam.account_summary is None
    assert loaded.accounts[0].iam.credential_report is not None
    assert loaded.accounts[0].iam.credential_report.rows[1].user == "alice"


def test_dumped_snapshot_is_plain_json_with_its_schema(tmp_path: Path) -> None:
    path = tmp_path / "scan.json"
    dump_snapshot(_full_snapshot(), path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["schema"] == "cloudwarden.snapshot/1"
    assert document["accounts"][0]["account_id"] == ACCOUNT_ID
    assert document["accounts"][1]["errors"][0]["code"] == "AccessDenied"


def test_the_state_a_fix_starts_from_round_trips(tmp_path: Path) -> None:
    """A record set exactly as ListResourceRecordSets listed it, and a user's access keys."""
    listed = {
        "Name": "\\052.example.com.",
        "Type": "A",
        "SetIdentifier": "blue",
        "Weight": 10,
        "AliasTarget": {
            "HostedZoneId": "Z2FDTNDATAQYW2",
            "DNSName": "d111111abcdef8.cloudfront.net.",
            "EvaluateTargetHealth": False,
        },
    }
    record = alias_record(
        "*.example.com", "d111111abcdef8.cloudfront.net", "Z2FDTNDATAQYW2", set_identifier="blue"
    )
    keys = {
        "deploy": (
            AccessKey(id="AKIAIOSFODNN7DEPLOY1", status="Active", created="2025-04-16T08:00:00+00:00"),
        )
    }
    dns = route53_account(route53_data(msgspec.structs.replace(record, listed=listed)))
    target = msgspec.structs.replace(dns, iam=msgspec.structs.replace(dns.iam, access_keys=keys))
    original = snapshot(target)
    path = tmp_path / "scan.json"

    dump_snapshot(original, path)
    loaded = load_snapshot(path)

    assert loaded == original
    assert loaded.accounts[0].route53 is not None
    assert loaded.accounts[0].route53.records[0].listed == listed
    assert loaded.accounts[0].iam.access_keys == keys


def test_errors_for_filters_by_service_and_operation() -> None:
    errors = [
        api_error("GetAccountSummary"),
        api_error("GetCredentialReport", code="Throttling"),
        api_error("DescribeRegions", service="ec2"),
    ]
    target = account(errors=errors)
    assert target.errors_for("iam") == (errors[0], errors[1])
    assert target.errors_for("iam", "GetCredentialReport", "GenerateCredentialReport") == (errors[1],)
    assert target.errors_for("ec2", "GetAccountSummary") == ()


def test_snapshot_with_another_schema_is_refused(tmp_path: Path) -> None:
    document = {"schema": "cloudwarden.findings/1", "scan": {}, "findings": []}
    with pytest.raises(SnapshotError, match="not a cloudwarden snapshot"):
        load_snapshot(_write(tmp_path / "report.json", document))


def test_snapshot_without_schema_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="schema None"):
        load_snapshot(_write(tmp_path / "bare.json", {"accounts": []}))


def test_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scan.json"
    path.write_text('{"schema": "cloudwarden.snapshot/1", "accounts": [', encoding="utf-8")
    with pytest.raises(SnapshotError, match="not valid JSON"):
        load_snapshot(path)


def test_json_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError):
        load_snapshot(_write(tmp_path / "list.json", ["cloudwarden.snapshot/1"]))


def test_snapshot_with_corrupt_structure_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scan.json"
    dump_snapshot(_full_snapshot(), path)
    document = json.loads(path.read_text(encoding="utf-8"))
    document["accounts"][0]["iam"]["account_summary"] = {"AccountMFAEnabled": "yes"}
    with pytest.raises(SnapshotError, match="corrupt snapshot"):
        load_snapshot(_write(path, document))


def test_snapshot_missing_a_required_field_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scan.json"
    dump_snapshot(_full_snapshot(), path)
    document = json.loads(path.read_text(encoding="utf-8"))
    del document["accounts"][0]["account_id"]
    with pytest.raises(SnapshotError, match="account_id"):
        load_snapshot(_write(path, document))


def test_missing_snapshot_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="cannot read snapshot"):
        load_snapshot(tmp_path / "absent.json")


def test_snapshot_with_unreadable_collection_time_is_refused(tmp_path: Path) -> None:
    """`evaluate` measures recency from `scan.finished_at`: a snapshot where it is no timestamp is corrupt."""
    path = tmp_path / "scan.json"
    dump_snapshot(_full_snapshot(), path)
    document = json.loads(path.read_text(encoding="utf-8"))
    document["scan"]["finished_at"] = "yesterday"
    with pytest.raises(SnapshotError, match="finished_at"):
        load_snapshot(_write(path, document))


@pytest.mark.parametrize("accounts", [0, 1, 2])
def test_a_snapshot_is_written_account_by_account_as_the_whole_document(
    tmp_path: Path, accounts: int
) -> None:
    full = _full_snapshot()
    original = msgspec.structs.replace(full, accounts=full.accounts[:accounts])
    path = tmp_path / "scan.json"
    dump_snapshot(original, path)
    assert path.read_bytes() == msgspec.json.format(msgspec.json.encode(original), indent=1)
    assert load_snapshot(path) == original


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_bytes(b"")
    with pytest.raises(SnapshotError, match="not valid JSON"):
        load_snapshot(path)


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    """A FIFO could block the open, or stream without end: only a regular file is read."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(SnapshotError, match=r"cannot read snapshot .*pipe: not a regular file \(a FIFO\)"):
        load_snapshot(pipe)


def test_a_directory_is_refused_as_unreadable(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="cannot read snapshot"):
        load_snapshot(tmp_path)


def test_a_snapshot_that_cannot_be_finished_leaves_the_previous_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "scan.json"
    dump_snapshot(_full_snapshot(), path)
    previous = path.read_bytes()
    real = msgspec.json.format
    calls: list[int] = []

    def fails_on_the_second_account(document: bytes, indent: int = 2) -> bytes:
        calls.append(1)
        if len(calls) == 3:  # the frame, the first account, then the second
            raise MemoryError("out of memory")
        return real(document, indent=indent)

    monkeypatch.setattr(msgspec.json, "format", fails_on_the_second_account)
    with pytest.raises(MemoryError):
        dump_snapshot(msgspec.structs.replace(_full_snapshot(), errors=()), path)
    assert path.read_bytes() == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scan.json"]


def test_a_long_schema_is_quoted_cut_to_its_beginning_and_length(tmp_path: Path) -> None:
    path = _write(tmp_path / "huge.json", {"schema": "x" * 10_000_000})
    with pytest.raises(SnapshotError) as caught:
        load_snapshot(path)
    message = str(caught.value)
    assert message.startswith(f"{path} is not a cloudwarden snapshot (schema 'xxx")
    assert message.endswith("... (10000002 characters), expected 'cloudwarden.snapshot/1')")
    assert len(message) - len(str(path)) < 250
