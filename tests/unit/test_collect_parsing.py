"""The pure parts of collection: the credential report's CSV, prefix-list entries and the read-only guard."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cloudwarden.collect.ec2 import prefix_list_cidrs
from cloudwarden.collect.iam import parse_credential_report
from cloudwarden.semantics.credentials import ROOT_USER
from cloudwarden.snapshot import CredentialReportRow

HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,"
    "cert_2_active,cert_2_last_rotated"
)
ROOT_LINE = (
    "<root_account>,arn:aws:iam::123456789012:root,2019-03-04T09:15:22+00:00,not_supported,"
    "2025-06-01T08:30:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,"
    "false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
)
ALICE_LINE = (
    "alice,arn:aws:iam::123456789012:user/alice,2023-01-10T08:00:00+00:00,true,"
    "2025-06-14T17:02:11+00:00,2025-01-02T10:00:00+00:00,N/A,false,true,2024-11-20T09:00:00+00:00,"
    "2025-06-15T06:00:00+00:00,eu-west-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
)
DEPLOY_LINE = (
    "deploy,arn:aws:iam::123456789012:user/ci/deploy,2024-02-01T00:00:00+00:00,false,N/A,N/A,N/A,"
    "false,true,2024-02-01T00:05:00+00:00,no_information,N/A,N/A,true,2025-01-01T00:00:00+00:00,"
    "2025-06-10T00:00:00+00:00,us-east-1,sts,false,N/A,false,N/A"
)
REAL_REPORT = "\n".join((HEADER, ROOT_LINE, ALICE_LINE, DEPLOY_LINE))


def test_real_report_keeps_root_and_user_rows_with_raw_values() -> None:
    report = parse_credential_report(REAL_REPORT.encode())
    assert [row.user for row in report.rows] == [ROOT_USER, "alice", "deploy"]
    root, alice, deploy = report.rows
    assert root == CredentialReportRow(
        user=ROOT_USER,
        arn="arn:aws:iam::123456789012:root",
        user_creation_time="2019-03-04T09:15:22+00:00",
        password_enabled="not_supported",
        password_last_used="2025-06-01T08:30:00+00:00",
        password_last_changed="not_supported",
        mfa_active="true",
        access_key_1_active="false",
        access_key_1_last_rotated="N/A",
        access_key_1_last_used_date="N/A",
        access_key_2_active="false",
        access_key_2_last_rotated="N/A",
        access_key_2_last_used_date="N/A",
        cert_1_active="false",
        cert_2_active="false",
    )
    assert (alice.password_enabled, alice.mfa_active, alice.access_key_1_active) == ("true", "false", "true")
    assert alice.access_key_1_last_used_date == "2025-06-15T06:00:00+00:00"
    assert deploy.arn == "arn:aws:iam::123456789012:user/ci/deploy"
    assert deploy.access_key_1_last_used_date == "no_information"
    assert deploy.access_key_2_active == "true"


def test_text_and_bytes_give_the_same_report() -> None:
    assert parse_credential_report(REAL_REPORT) == parse_credential_report(REAL_REPORT.encode("utf-8"))


def test_crlf_line_endings_are_read_like_lf() -> None:
    crlf = REAL_REPORT.replace("\n", "\r\n") + "\r\n"
    assert parse_credential_report(crlf) == parse_credential_report(REAL_REPORT)


def test_generated_time_is_kept_as_iso_text() -> None:
    generated = datetime(2025, 6, 15, 11, 58, 3, tzinfo=UTC)
    assert parse_credential_report(REAL_REPORT, generated).generated_time == "2025-06-15T11:58:03+00:00"
    assert parse_credential_report(REAL_REPORT).generated_time is None


def test_columns_unknown_to_this_version_are_ignored() -> None:
    text = "\n".join(
        (
            HEADER + ",access_key_3_active,passkey_count",
            ROOT_LINE + ",true,2",
            ALICE_LINE + ",false,0",
        )
    )
    report = parse_credential_report(text)
    assert report.rows == parse_credential_report("\n".join((HEADER, ROOT_LINE, ALICE_LINE))).rows


def test_missing_columns_are_none_not_defaults() -> None:
    text = (
        "user,arn,password_enabled,access_key_1_active\nbob,arn:aws:iam::123456789012:user/bob,true,false\n"
    )
    (bob,) = parse_credential_report(text).rows
    assert bob == CredentialReportRow(
        user="bob",
        arn="arn:aws:iam::123456789012:user/bob",
        password_enabled="true",
        access_key_1_active="false",
    )
    assert bob.mfa_active is None
    assert bob.access_key_2_active is None
    assert bob.password_last_used is None


def test_short_row_leaves_its_missing_values_none() -> None:
    text = HEADER + "\ncarol,arn:aws:iam::123456789012:user/carol,2023-01-10T08:00:00+00:00,true\n"
    (carol,) = parse_credential_report(text).rows
    assert carol.password_enabled == "true"
    assert carol.mfa_active is None
    assert carol.access_key_1_active is None


def test_report_with_only_a_header_has_no_rows() -> None:
    assert parse_credential_report(HEADER + "\n").rows == ()
    assert parse_credential_report(b"").rows == ()


def test_prefix_list_entries_give_their_cidrs_in_order() -> None:
    entries = [{"Cidr": "198.51.100.0/24", "Description": "office"}, {"Cidr": "0.0.0.0/0"}]
    assert prefix_list_cidrs(entries) == ("198.51.100.0/24", "0.0.0.0/0")
    assert prefix_list_cidrs([]) == ()


@pytest.mark.parametrize("odd", [{"Description": "no cidr"}, {"Cidr": None}, {"Cidr": 7}])
def test_a_prefix_list_entry_without_a_cidr_is_an_error_not_a_shorter_list(odd: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="no CIDR"):
        prefix_list_cidrs([{"Cidr": "10.0.0.0/8"}, odd])
