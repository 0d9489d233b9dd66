"""Configuration: the YAML file of `--config`, validated before any AWS call.

Unknown keys, unknown rule ids, malformed dates, missing required fields and values out of bounds
are errors that name the problem (the CLI turns them into exit code 2).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

import msgspec
import yaml

from cloudwarden.collector import collector_paused
from cloudwarden.inputs import InputError, quoted, read_text, too_deep

_YAML_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = (
    yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
)
"""libyaml's parser when PyYAML was built with it (a 50 MB file: 61 s instead of 226 s; 18 s with the
collector paused, see `_parsed_yaml`). It builds the same values (the constructor and the resolver
are PyYAML's own: dates, the last of duplicated keys) and stops at 1,000 levels of nesting, where
the pure-Python parser reaches the recursion limit."""

RECENT_USE_DAYS_MAX = 3650
"""Ten years, about as far back as AWS has recorded credential use (2015). A much larger value would
overflow the date arithmetic and leave every root-not-used finding UNKNOWN."""

_SECURITY_GROUP_ID = re.compile(r"sg-(?:[0-9a-f]{8}|[0-9a-f]{17})")
_PROBLEMS_NAMED = 20
"""Problems named in one error; the others are counted (a generated file may hold thousands)."""


class ConfigError(Exception):
    """A configuration that cannot be used, with a message that names the problem."""


class _Section(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class AccountsConfig(_Section, frozen=True):
    organization: bool = False
    ids: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    role_name: str = "OrganizationAccountAccessRole"
    external_id: str | None = None
    max_parallel: int = 8


class ExecutionConfig(_Section, frozen=True):
    cluster: str | None = None


class RootConfig(_Section, frozen=True):
    recent_use_days: int = 90


class CloudTrailConfig(_Section, frozen=True):
    trusted_buckets: tuple[str, ...] = ()
    trusted_accounts: tuple[str, ...] = ()


class Route53Config(_Section, frozen=True):
    aws_ip_ranges_file: str | None = None
    live_checks: bool = False
    nameservers: tuple[str, ...] = ()
    trusted_accounts: tuple[str, ...] = ()
    """Accounts of ours that are not scanned: their buckets count as ours once S3 confirms the owner,
    and other AWS targets they might hold are UNKNOWN rather than FAIL."""


class S3Config(_Section, frozen=True):
    public_buckets: tuple[str, ...] = ()


class SecurityGroupsConfig(_Section, frozen=True):
    internet_egress_groups: tuple[str, ...] = ()
    public_ports: tuple[int, ...] = (80, 443)
    max_port_range: int = 32


class HistoryConfig(_Section, frozen=True):
    store: str | None = None
    """The scan history's store URL (`--store` and `CLOUDWARDEN_STORE` take precedence)."""
    stale_after_days: int = 7
    """An account whose last run started longer ago than this is stale in `cloudwarden history`."""


class SuppressionConfig(_Section, frozen=True):
    rule: str
    resource: str
    reason: str
    expires: dt.date


class AttestationConfig(_Section, frozen=True):
    rule: str
    account: str
    by: str
    date: dt.date
    expires: dt.date


class Config(_Section, frozen=True):
    accounts: AccountsConfig = AccountsConfig()
    execution: ExecutionConfig = ExecutionConfig()
    root: RootConfig = RootConfig()
    cloudtrail: CloudTrailConfig = CloudTrailConfig()
    route53: Route53Config = Route53Config()
    s3: S3Config = S3Config()
    security_groups: SecurityGroupsConfig = SecurityGroupsConfig()
    history: HistoryConfig = HistoryConfig()
    suppressions: tuple[SuppressionConfig, ...] = ()
    attestations: tuple[AttestationConfig, ...] = ()


def _is_nameserver(text: str) -> bool:
    """`ip`, `ip:port` or `[ipv6]:port`, as live checks accept them."""
    host, port = text, "53"
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":") or "53"
    elif text.count(":") == 1:
        host, port = text.split(":")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return port.isdigit() and 0 < int(port) < 65536


def is_account_id(text: str) -> bool:
    return len(text) == 12 and text.isascii() and text.isdigit()


def load_config(
    path: Path | None,
    known_rules: Collection[str],
    *,
    manual_rules: frozenset[str] = frozenset(),
    today: dt.date | None = None,
) -> Config:
    """Read and validate a configuration file; no file means every default. See `parse_config`."""
    if path is None:
        return Config()
    try:
        raw = _parsed_yaml(read_text(path, "configuration"))
    except InputError as error:
        raise ConfigError(str(error)) from error
    except RecursionError as error:
        raise ConfigError(str(too_deep(path, "configuration"))) from error
    except (yaml.YAMLError, ValueError) as error:
        # PyYAML raises ValueError for impossible dates such as 2027-13-01.
        raise ConfigError(f"{path} is not valid YAML: {error}") from error
    return parse_config(
        raw if raw is not None else {},
        known_rules,
        source=str(path),
        manual_rules=manual_rules,
        today=today,
    )


def _parsed_yaml(text: str) -> Any:
    """The YAML document of `text`, built with the cyclic garbage collector paused: the parser makes
    millions of objects for a large file, and the collector's passes over them would take longer than
    the parsing itself (a cycle, from a recursive alias, is collected once it is back on)."""
    with collector_paused():
        return yaml.load(text, Loader=_YAML_LOADER)


def parse_config(
    raw: Any,
    known_rules: Collection[str],
    source: str = "configuration",
    *,
    manual_rules: frozenset[str] = frozenset(),
    today: dt.date | None = None,
) -> Config:
    """Validate a configuration. `known_rules` may be named anywhere; only `manual_rules` (those that
    can be MANUAL) may be attested, and not with a date after `today` (by default today in UTC, the
    day the engine judges attestations by)."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of sections")
    # An empty section (`suppressions:` with every entry commented out) means its defaults.
    present = {key: value for key, value in raw.items() if value is not None}
    try:
        config = msgspec.convert(present, type=Config, strict=False)
    except msgspec.ValidationError as error:
        raise ConfigError(f"{source}: {error}") from error
    problems = _problems(config, known_rules, manual_rules, today or dt.datetime.now(dt.UTC).date())
    if problems:
        more = len(problems) - _PROBLEMS_NAMED
        raise ConfigError(
            f"{source}: "
            + "; ".join(problems[:_PROBLEMS_NAMED])
            + (f"; and {more} more problems" if more > 0 else "")
        )
    return config


def _is_internet_egress_group(entry: str) -> bool:
    """A group id, or `tag:KEY=VALUE` as `rules.security_group_network` matches it (KEY ends at the
    first `=`; VALUE may be empty, as an AWS tag's value may)."""
    if entry.startswith("tag:"):
        key, equals, _value = entry.removeprefix("tag:").partition("=")
        return bool(key and equals)
    return _SECURITY_GROUP_ID.fullmatch(entry) is not None


def _problems(
    config: Config, known_rules: Collection[str], manual_rules: frozenset[str], today: dt.date
) -> list[str]:
    problems: list[str] = []
    if not 1 <= config.root.recent_use_days <= RECENT_USE_DAYS_MAX:
        problems.append(f"root.recent_use_days must be between 1 and {RECENT_USE_DAYS_MAX}")
    if config.history.stale_after_days < 1:
        problems.append("history.stale_after_days must be at least 1")
    if config.history.store is not None and not config.history.store.strip():
        problems.append("history.store must not be empty (leave it out to record nothing)")
    if config.accounts.max_parallel < 1:
        problems.append("accounts.max_parallel must be at least 1")
    for account in (
        *config.accounts.ids,
        *config.accounts.exclude,
        *config.cloudtrail.trusted_accounts,
        *config.route53.trusted_accounts,
    ):
        if not is_account_id(account):
            problems.append(f"{quoted(account)} is not a 12-digit AWS account id")
    if not 0 <= config.security_groups.max_port_range <= 65535:
        problems.append("security_groups.max_port_range must be between 0 and 65535")
    problems.extend(
        f"security_groups.public_ports: {port} is not a port number"
        for port in config.security_groups.public_ports
        if not 0 <= port <= 65535
    )
    problems.extend(
        f"security_groups.internet_egress_groups: {quoted(entry)} is neither a security group id "
        "(sg- and 8 or 17 hexadecimal digits) nor tag:KEY=VALUE"
        for entry in config.security_groups.internet_egress_groups
        if not _is_internet_egress_group(entry)
    )
    problems.extend(
        f"route53.nameservers: {quoted(server)} is not an IP address or ip:port"
        for server in config.route53.nameservers
        if not _is_nameserver(server)
    )
    for index, suppression in enumerate(config.suppressions):
        where = f"suppressions[{index}]"
        if suppression.rule not in known_rules:
            problems.append(f"{where}.rule: unknown rule id {quoted(suppression.rule)}")
        if not suppression.reason.strip():
            problems.append(f"{where}.reason must not be empty")
        if not suppression.resource.strip():
            problems.append(f"{where}.resource must not be empty")
    for index, attestation in enumerate(config.attestations):
        where = f"attestations[{index}]"
        if attestation.rule not in known_rules:
            problems.append(f"{where}.rule: unknown rule id {quoted(attestation.rule)}")
        elif attestation.rule not in manual_rules:
            attestable = ", ".join(sorted(manual_rules)) or "none"
            problems.append(
                f"{where}.rule: {attestation.rule} is never MANUAL, so no attestation applies to it "
                f"(rules that can be attested: {attestable})"
            )
        if not is_account_id(attestation.account):
            problems.append(
                f"{where}.account: {quoted(attestation.account)} is not a 12-digit AWS account id"
            )
        if not attestation.by.strip():
            problems.append(f"{where}.by must not be empty")
        if attestation.date > today:
            problems.append(f"{where}.date ({attestation.date}) is in the future (today is {today})")
        if attestation.expires < attestation.date:
            problems.append(f"{where}: expires ({attestation.expires}) is before date ({attestation.date})")
    return problems
