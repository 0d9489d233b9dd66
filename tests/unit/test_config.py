"""Configuration: the contract's example is accepted; every mistake is an error that names it."""

from __future__ import annotations

import datetime as dt
import inspect
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from cloudwarden import config as config_module
from cloudwarden.config import Config, ConfigError, load_config, parse_config
from cloudwarden.rules import MANUAL_RULE_IDS, RULE_IDS, RULES

CONTRACT_EXAMPLE = """\
accounts:
  organization: false              # true: every active account of the AWS Organization
  ids: ["111111111111"]            # or an explicit list
  exclude: []
  role_name: OrganizationAccountAccessRole
  external_id: null
  max_parallel: 8                  # accounts scanned at once
execution:
  cluster: null                    # tcp://scheduler:8786 for a Dask cluster
root:
  recent_use_days: 90              # root-not-used: a root login or key use newer than this fails
cloudtrail:
  trusted_buckets: [corp-cloudtrail-archive]   # destinations that count as segregated storage
  trusted_accounts: ["999988887777"]           # accounts whose buckets count
route53:
  aws_ip_ranges_file: ip-ranges.json           # AWS's published ip-ranges.json format
  live_checks: false                           # DNS/HTTP probes of third-party targets
  nameservers: ["192.0.2.53"]                  # resolver for live checks (ip or ip:port)
s3:
  public_buckets: [www.example.org]            # buckets meant to be public (names or globs)
security_groups:
  internet_egress_groups: [sg-0123456789abcdef0] # the NSM / proxy groups (ids, or tag:KEY=VALUE)
  public_ports: [80, 443]                      # ports that may be open to the world
  max_port_range: 32                           # wider inbound port ranges fail
suppressions:
  - rule: sg-minimal-inbound
    resource: "sg-0a1b*"                       # glob on resource id or arn
    reason: "bastion, reviewed by secops"      # required
    expires: 2027-06-30                        # required; after it the finding is FAIL again
attestations:                                  # for MANUAL rules
  - rule: root-strong-password
    account: "123456789012"
    by: "secops"
    date: 2026-11-01
    expires: 2027-11-01                        # after it the rule is MANUAL again
"""
"""The configuration example of CONTRACT.md, verbatim."""

TODAY = dt.date(2026, 12, 1)
"""After the example's attestation date, as the day the configuration is loaded."""


def _example() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(CONTRACT_EXAMPLE)
    return document


def _rejected(raw: Any, *phrases: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, RULE_IDS, source="cloudwarden.yaml", manual_rules=MANUAL_RULE_IDS, today=TODAY)
    message = str(caught.value)
    assert message.startswith("cloudwarden.yaml: ")
    for phrase in phrases:
        assert phrase in message
    return message


def test_contract_example_is_accepted_with_every_value() -> None:
    config = parse_config(_example(), RULE_IDS, manual_rules=MANUAL_RULE_IDS, today=TODAY)
    assert config.accounts.ids == ("111111111111",)
    assert config.accounts.role_name == "OrganizationAccountAccessRole"
    assert config.accounts.external_id is None
    assert config.accounts.max_parallel == 8
    assert config.execution.cluster is None
    assert config.root.recent_use_days == 90
    assert config.cloudtrail.trusted_buckets == ("corp-cloudtrail-archive",)
    assert config.cloudtrail.trusted_accounts == ("999988887777",)
    assert config.route53.aws_ip_ranges_file == "ip-ranges.json"
    assert config.route53.nameservers == ("192.0.2.53",)
    assert config.s3.public_buckets == ("www.example.org",)
    assert config.security_groups.internet_egress_groups == ("sg-0123456789abcdef0",)
    assert config.security_groups.public_ports == (80, 443)
    assert config.security_groups.max_port_range == 32
    (suppression,) = config.suppressions
    assert (suppression.rule, suppression.resource, suppression.expires) == (
        "sg-minimal-inbound",
        "sg-0a1b*",
        dt.date(2027, 6, 30),
    )
    assert suppression.reason == "bastion, reviewed by secops"
    (attestation,) = config.attestations
    assert (attestation.account, attestation.by, attestation.date, attestation.expires) == (
        "123456789012",
        "secops",
        dt.date(2026, 11, 1),
        dt.date(2027, 11, 1),
    )


def test_contract_example_file_is_accepted_with_the_rules_the_cli_knows(tmp_path: Path) -> None:
    """The CLI validates with the rules' ids; the contract's own example must load."""
    path = tmp_path / "cloudwarden.yaml"
    path.write_text(CONTRACT_EXAMPLE, encoding="utf-8")
    config = load_config(path, RULE_IDS, manual_rules=MANUAL_RULE_IDS, today=TODAY)
    assert config.suppressions[0].rule == "sg-minimal-inbound"


def test_no_file_and_empty_file_mean_defaults(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing configured\n", encoding="utf-8")
    assert load_config(None, RULE_IDS) == Config()
    assert load_config(empty, RULE_IDS) == Config()
    assert Config().root.recent_use_days == 90
    assert Config().security_groups.public_ports == (80, 443)


def test_quoted_dates_are_accepted() -> None:
    raw = {"suppressions": [{"rule": "root-mfa", "resource": "*", "reason": "r", "expires": "2027-06-30"}]}
    assert parse_config(raw, RULE_IDS).suppressions[0].expires == dt.date(2027, 6, 30)


def test_unknown_top_level_key_is_an_error() -> None:
    _rejected({**_example(), "supressions": []}, "supressions")


def test_unknown_nested_key_is_an_error() -> None:
    raw = _example()
    raw["root"]["recent_use_day"] = 30
    _rejected(raw, "recent_use_day", "root")


def test_unknown_key_in_a_suppression_is_an_error() -> None:
    raw = _example()
    raw["suppressions"][0]["until"] = "2027-01-01"
    _rejected(raw, "until", "suppressions[0]")


def test_unknown_rule_id_in_a_suppression_is_an_error() -> None:
    raw = _example()
    raw["suppressions"][0]["rule"] = "sg-minimal-inbund"
    _rejected(raw, "suppressions[0].rule", "'sg-minimal-inbund'")


def test_unknown_rule_id_in_an_attestation_is_an_error() -> None:
    raw = _example()
    raw["attestations"][0]["rule"] = "root-password"
    _rejected(raw, "attestations[0].rule", "'root-password'")


def test_malformed_suppression_date_is_an_error() -> None:
    raw = _example()
    raw["suppressions"][0]["expires"] = "30/06/2027"
    _rejected(raw, "expires")


def test_missing_suppression_reason_is_an_error() -> None:
    raw = _example()
    del raw["suppressions"][0]["reason"]
    _rejected(raw, "reason", "suppressions[0]")


def test_blank_suppression_reason_is_an_error() -> None:
    raw = _example()
    raw["suppressions"][0]["reason"] = "   "
    _rejected(raw, "suppressions[0].reason must not be empty")


def test_missing_suppression_expiry_is_an_error() -> None:
    raw = _example()
    del raw["suppressions"][0]["expires"]
    _rejected(raw, "expires", "suppressions[0]")


def test_missing_attestation_expiry_is_an_error() -> None:
    raw = _example()
    del raw["attestations"][0]["expires"]
    _rejected(raw, "expires", "attestations[0]")


def test_attestation_expiring_before_its_date_is_an_error() -> None:
    raw = _example()
    raw["attestations"][0]["expires"] = dt.date(2026, 10, 1)
    _rejected(raw, "attestations[0]: expires (2026-10-01) is before date (2026-11-01)")


@pytest.mark.parametrize("account_id", ["11111111111", "1111111111111", "11111111111a", "arn:aws:iam::1"])
def test_account_id_that_is_not_twelve_digits_is_an_error(account_id: str) -> None:
    raw = _example()
    raw["accounts"]["ids"] = [account_id]
    _rejected(raw, f"{account_id!r} is not a 12-digit AWS account id")


def test_account_id_with_non_ascii_digits_is_an_error() -> None:
    """`str.isdigit` is true for full-width and superscript digits, which no AWS account id contains."""
    raw = _example()
    raw["accounts"]["ids"] = ["\uff11" * 12, "11111111111\u00b2"]
    raw["attestations"][0]["account"] = "\u0661" * 12
    message = _rejected(raw, "attestations[0].account")
    assert message.count("is not a 12-digit AWS account id") == 3


def test_non_twelve_digit_trusted_account_and_attested_account_are_errors() -> None:
    raw = _example()
    raw["cloudtrail"]["trusted_accounts"] = ["9999"]
    raw["attestations"][0]["account"] = "12345"
    _rejected(raw, "'9999' is not a 12-digit", "attestations[0].account: '12345'")


def test_route53_trusted_accounts_are_twelve_digit_account_ids() -> None:
    accepted = parse_config({"route53": {"trusted_accounts": ["222233334444"]}}, RULE_IDS, today=TODAY)
    assert accepted.route53.trusted_accounts == ("222233334444",)
    assert parse_config({}, RULE_IDS, today=TODAY).route53.trusted_accounts == ()
    _rejected(
        {"route53": {"trusted_accounts": ["2222333344445", "abc"]}},
        "'2222333344445' is not a 12-digit",
        "'abc'",
    )


def test_unquoted_account_id_is_an_error_not_a_silent_number() -> None:
    """An unquoted id is a YAML integer: leading zeros would be lost, so it must be quoted."""
    raw = yaml.safe_load("accounts:\n  ids: [011111111111]\n")
    _rejected(raw, "accounts")


def test_negative_recent_use_days_is_an_error() -> None:
    _rejected({"root": {"recent_use_days": -1}}, "root.recent_use_days")


def test_zero_max_parallel_is_an_error() -> None:
    _rejected({"accounts": {"max_parallel": 0}}, "accounts.max_parallel")


def test_out_of_range_public_port_is_an_error() -> None:
    _rejected({"security_groups": {"public_ports": [443, 70000]}}, "70000 is not a port number")


def test_several_problems_are_reported_together() -> None:
    message = _rejected(
        {"root": {"recent_use_days": -5}, "accounts": {"max_parallel": 0, "ids": ["42"]}},
        "root.recent_use_days",
        "accounts.max_parallel",
        "'42'",
    )
    assert message.count(";") == 2


def test_top_level_that_is_not_a_mapping_is_an_error() -> None:
    _rejected(["accounts"], "top level must be a mapping")


def test_file_that_is_not_yaml_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("accounts: [unclosed\n  ids: {\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML") as caught:
        load_config(path, RULE_IDS)
    assert str(path) in str(caught.value)


def test_file_with_a_plain_string_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "prose.yaml"
    path.write_text("this is not a configuration\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_config(path, RULE_IDS)


def test_impossible_date_in_a_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "dates.yaml"
    path.write_text(
        "suppressions:\n  - rule: root-mfa\n    resource: '*'\n    reason: r\n    expires: 2027-13-01\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path, RULE_IDS)


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read configuration"):
        load_config(tmp_path / "absent.yaml", RULE_IDS)


def test_unknown_key_in_a_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text("root:\n  recent_use_dayz: 30\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, RULE_IDS)
    assert str(caught.value).startswith(f"{path}: ")
    assert "recent_use_dayz" in str(caught.value)


def test_malformed_date_in_a_file_is_an_error_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "dates.yaml"
    path.write_text(
        "attestations:\n  - rule: root-strong-password\n    account: '123456789012'\n    by: secops\n"
        "    date: 2026-11-01\n    expires: 2027-6-30\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, RULE_IDS, manual_rules=MANUAL_RULE_IDS, today=TODAY)
    assert "attestations[0].expires" in str(caught.value)


# --- attestations: only of a rule that can be MANUAL, never dated in the future ------------------------


def test_attestation_dated_after_today_is_an_error() -> None:
    raw = _example()
    raw["attestations"][0]["date"] = TODAY + dt.timedelta(days=1)
    _rejected(raw, "attestations[0].date (2026-12-02) is in the future (today is 2026-12-01)")


def test_attestation_dated_today_is_accepted() -> None:
    raw = _example()
    raw["attestations"][0]["date"] = TODAY
    config = parse_config(raw, RULE_IDS, manual_rules=MANUAL_RULE_IDS, today=TODAY)
    assert config.attestations[0].date == TODAY


def test_today_is_by_default_the_day_in_utc() -> None:
    raw = _example()
    raw["attestations"][0]["date"] = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    raw["attestations"][0]["expires"] = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=400)
    with pytest.raises(ConfigError, match=r"attestations\[0\]\.date .* is in the future"):
        parse_config(raw, RULE_IDS, manual_rules=MANUAL_RULE_IDS)


def test_attestation_of_a_rule_that_is_never_manual_is_an_error() -> None:
    raw = _example()
    raw["attestations"][0]["rule"] = "root-mfa"
    _rejected(
        raw,
        "attestations[0].rule: root-mfa is never MANUAL, so no attestation applies to it "
        "(rules that can be attested: iam-user-mfa, root-strong-password)",
    )


def test_the_rules_that_can_be_attested_are_those_whose_check_yields_manual() -> None:
    """`Rule.can_be_manual` is declared beside the check; this catches a rule whose module yields MANUAL
    without declaring it (or the reverse)."""
    yielding = {
        rule.id for rule in RULES if "Status.MANUAL" in inspect.getsource(sys.modules[rule.check.__module__])
    }
    assert yielding == MANUAL_RULE_IDS == {"root-strong-password", "iam-user-mfa"}


# --- bounds -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, 3651, 99_999_999_999])
def test_recent_use_days_out_of_bounds_is_an_error(days: int) -> None:
    _rejected({"root": {"recent_use_days": days}}, "root.recent_use_days must be between 1 and 3650")


@pytest.mark.parametrize("days", [1, 3650])
def test_recent_use_days_at_its_bounds_is_accepted(days: int) -> None:
    assert parse_config({"root": {"recent_use_days": days}}, RULE_IDS).root.recent_use_days == days


@pytest.mark.parametrize("range_width", [-1, 65536])
def test_out_of_range_max_port_range_is_an_error(range_width: int) -> None:
    _rejected(
        {"security_groups": {"max_port_range": range_width}},
        "security_groups.max_port_range must be between 0 and 65535",
    )


def test_negative_public_port_is_an_error() -> None:
    _rejected(
        {"security_groups": {"public_ports": [-1]}}, "security_groups.public_ports: -1 is not a port number"
    )


@pytest.mark.parametrize(
    "entry",
    [
        "sg-12345678",
        "sg-0123456789abcdef0",
        "tag:role=nsm-proxy",
        "tag:a=b=c",
        "tag:Name=NSM proxy",
        "tag:nsm=",
    ],
)
def test_internet_egress_group_by_id_or_by_tag_is_accepted(entry: str) -> None:
    raw = {"security_groups": {"internet_egress_groups": [entry]}}
    assert parse_config(raw, RULE_IDS).security_groups.internet_egress_groups == (entry,)


@pytest.mark.parametrize(
    "entry",
    [
        "0.0.0.0/0",
        "nsm-proxy",
        "tag:",
        "tag:role",
        "tag:=nsm-proxy",
        "sg-1234567",
        "sg-0123456789abcdef",
        "sg-0123456789ABCDEF0",
        "sg-0123456789abcdef0 ",
    ],
)
def test_internet_egress_group_that_is_neither_an_id_nor_a_tag_is_an_error(entry: str) -> None:
    _rejected(
        {"security_groups": {"internet_egress_groups": ["sg-12345678", entry]}},
        f"security_groups.internet_egress_groups: {entry!r} is neither a security group id "
        "(sg- and 8 or 17 hexadecimal digits) nor tag:KEY=VALUE",
    )


# --- messages stay short ------------------------------------------------------------------------------


def test_a_long_value_is_quoted_cut_to_its_beginning_and_length() -> None:
    message = _rejected({"route53": {"nameservers": ["9" * 10_000_000]}}, "route53.nameservers: '999")
    assert message.endswith("... (10000002 characters) is not an IP address or ip:port")
    assert len(message) < 300


def test_problems_beyond_the_first_twenty_are_counted() -> None:
    message = _rejected(
        {"accounts": {"ids": [str(number) for number in range(1000)]}}, "; and 980 more problems"
    )
    assert message.count("is not a 12-digit AWS account id") == 20


# --- the YAML loader ----------------------------------------------------------------------------------


def test_a_file_loads_as_pure_python_pyyaml_reads_it(tmp_path: Path) -> None:
    """libyaml's parser, used when PyYAML has it, builds the same values: dates, quoted and unquoted
    scalars, and the last of duplicated keys."""
    text = CONTRACT_EXAMPLE + "root:\n  recent_use_days: 30\n"
    path = tmp_path / "cloudwarden.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_config(path, RULE_IDS, manual_rules=MANUAL_RULE_IDS, today=TODAY)
    expected = parse_config(
        yaml.load(text, Loader=yaml.SafeLoader), RULE_IDS, manual_rules=MANUAL_RULE_IDS, today=TODAY
    )
    assert loaded == expected
    assert loaded.root.recent_use_days == 30


def test_deep_nesting_is_an_error_naming_the_file_with_the_pure_python_loader_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without libyaml, PyYAML's own parser reaches the recursion limit: still a ConfigError."""
    path = tmp_path / "deep.yaml"
    path.write_text("root: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    monkeypatch.setattr(config_module, "_YAML_LOADER", yaml.SafeLoader)
    with pytest.raises(ConfigError, match=f"configuration {path} is nested too deeply to be read"):
        load_config(path, RULE_IDS)


def test_history_defaults_record_nothing_and_call_a_week_stale() -> None:
    assert Config().history.store is None
    assert Config().history.stale_after_days == 7


def test_history_keys_are_read() -> None:
    raw = {"history": {"store": "sqlite:///history.db", "stale_after_days": 3}}
    history = parse_config(raw, RULE_IDS).history
    assert (history.store, history.stale_after_days) == ("sqlite:///history.db", 3)


def test_history_unknown_key_is_an_error() -> None:
    _rejected({"history": {"stale_after": 3}}, "stale_after", "history")


@pytest.mark.parametrize("days", [0, -1])
def test_history_stale_after_days_below_one_is_an_error(days: int) -> None:
    message = _rejected({"history": {"stale_after_days": days}})
    assert message == "cloudwarden.yaml: history.stale_after_days must be at least 1"


def test_history_stale_after_days_that_is_not_a_number_is_an_error() -> None:
    _rejected({"history": {"stale_after_days": "a week"}}, "history.stale_after_days", "int")


def test_history_blank_store_is_an_error() -> None:
    message = _rejected({"history": {"store": "  "}})
    assert message == "cloudwarden.yaml: history.store must not be empty (leave it out to record nothing)"
