"""Configuration: the YAML file of `--config`, validated before any AWS call.

Unknown keys, unknown rule ids, malformed dates and missing required fields are errors that name
the problem (the CLI turns them into exit code 2).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path
from typing import Any

import msgspec
import yaml


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


class S3Config(_Section, frozen=True):
    public_buckets: tuple[str, ...] = ()


class SecurityGroupsConfig(_Section, frozen=True):
    internet_egress_groups: tuple[str, ...] = ()
    public_ports: tuple[int, ...] = (80, 443)
    max_port_range: int = 32


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


def load_config(path: Path | None, known_rules: frozenset[str]) -> Config:
    """Read and validate a configuration file; no file means every default."""
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read configuration {path}: {error.strerror}") from error
    try:
        raw: Any = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as error:
        # PyYAML raises ValueError for impossible dates such as 2027-13-01.
        raise ConfigError(f"{path} is not valid YAML: {error}") from error
    return parse_config(raw if raw is not None else {}, known_rules, source=str(path))


def parse_config(raw: Any, known_rules: frozenset[str], source: str = "configuration") -> Config:
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of sections")
    # An empty section (`suppressions:` with every entry commented out) means its defaults.
    present = {key: value for key, value in raw.items() if value is not None}
    try:
        config = msgspec.convert(present, type=Config, strict=False)
    except msgspec.ValidationError as error:
        raise ConfigError(f"{source}: {error}") from error
    _check_values(config, known_rules, source)
    return config


def _check_values(config: Config, known_rules: frozenset[str], source: str) -> None:
    problems: list[str] = []
    if config.root.recent_use_days < 0:
        problems.append("root.recent_use_days must be 0 or more")
    if config.accounts.max_parallel < 1:
        problems.append("accounts.max_parallel must be at least 1")
    for account in (*config.accounts.ids, *config.accounts.exclude, *config.cloudtrail.trusted_accounts):
        if not is_account_id(account):
            problems.append(f"{account!r} is not a 12-digit AWS account id")
    if not 0 <= config.security_groups.max_port_range <= 65535:
        problems.append("security_groups.max_port_range must be between 0 and 65535")
    problems.extend(
        f"security_groups.public_ports: {port} is not a port number"
        for port in config.security_groups.public_ports
        if not 0 <= port <= 65535
    )
    problems.extend(
        f"route53.nameservers: {server!r} is not an IP address or ip:port"
        for server in config.route53.nameservers
        if not _is_nameserver(server)
    )
    for index, suppression in enumerate(config.suppressions):
        where = f"suppressions[{index}]"
        if suppression.rule not in known_rules:
            problems.append(f"{where}.rule: unknown rule id {suppression.rule!r}")
        if not suppression.reason.strip():
            problems.append(f"{where}.reason must not be empty")
        if not suppression.resource.strip():
            problems.append(f"{where}.resource must not be empty")
    for index, attestation in enumerate(config.attestations):
        where = f"attestations[{index}]"
        if attestation.rule not in known_rules:
            problems.append(f"{where}.rule: unknown rule id {attestation.rule!r}")
        if not is_account_id(attestation.account):
            problems.append(f"{where}.account: {attestation.account!r} is not a 12-digit AWS account id")
        if not attestation.by.strip():
            problems.append(f"{where}.by must not be empty")
        if attestation.expires < attestation.date:
            problems.append(f"{where}: expires ({attestation.expires}) is before date ({attestation.date})")
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))
