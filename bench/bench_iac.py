"""Benchmark: `cloudwarden iac` on a large Terraform plan and a large CloudFormation template.

Generates, written to a temporary directory, a Terraform plan in JSON (`terraform show -json PLAN`,
format 1.2: `planned_values`, `resource_changes` with `after` and `after_unknown`, `configuration`
with each attribute's `constant_value` or `references`) and a CloudFormation template in YAML with
short-form tags, each of about N resources (default 5,000), in this mix:

- buckets with a policy, a Block Public Access resource and Object Ownership (one in ten with
  `BucketOwnerPreferred` and an ACL resource); a fifth with a public policy under a block that lets it
  through (FAIL), a fifth with a policy known only after apply (Terraform: it embeds the bucket's ARN;
  CloudFormation: a principal from a parameter without default), a fifth whose name is left to apply
  (`bucket_prefix`, with a policy unknown too; or no `BucketName`), the rest private;
- security groups: half with inline rules only (SSH or PostgreSQL from the world, HTTPS from the
  world, a database port from the VPC, some with an unknown VPC CIDR), half with separate rule
  resources linked by a reference whose value is unknown until apply (`aws_security_group_rule`,
  `aws_vpc_security_group_ingress_rule` whose peer is another group of the plan,
  `aws_vpc_security_group_egress_rule`; `AWS::EC2::SecurityGroupIngress` / `Egress` with `!Ref` and
  `!GetAtt X.GroupId`); in the template, SSH from a parameter without default and `!If` on a condition;
- in the plan, a fifth of the resources in the instances of a module called with `for_each`, each
  holding buckets and their companions with `count` (linked by `aws_s3_bucket.data[count.index]`) and
  a security group;
- IAM users with a console password (MANUAL: no plan can enrol an MFA device).

Then, for each file, it times separately: reading and parsing (`iac.sources.read_documents`),
translating into the partial snapshot (`iac.build.build`), judging (the engine's `Evaluation` over the
rules that judge IaC, relabelling each finding to its address through `prepare`, findings counted and
dropped), and the whole command, `cloudwarden iac FILE --format json --output REPORT`, in this process
(typer's `CliRunner`), run first so that no earlier step's objects are held. For each it prints the
wall time and the peak RSS during the step (VmHWM, reset before each step through
`/proc/self/clear_refs`, so each step's peak is its own plus what the process already held, which is
printed beside it), then the findings per status, of the judging step and of the command's report
(they must agree), as a check that the generated files are judged and not all UNKNOWN.

Target (issue 18): a 5,000-resource plan evaluated in seconds.

Run: `.venv/bin/python bench/bench_iac.py [N] [--repeat R] [--keep DIR]` (`--repeat` keeps the fastest
of R runs of each step, for a shared machine; `--keep` writes the files to DIR and keeps them).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import json
import resource
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from typer.testing import CliRunner

from cloudwarden.cli import app
from cloudwarden.config import Config
from cloudwarden.engine import Evaluation
from cloudwarden.iac.build import Built, build
from cloudwarden.iac.sources import read_documents
from cloudwarden.rules import RULES

PROVIDER = "registry.terraform.io/hashicorp/aws"
REGION = "eu-west-1"
MODULE_SHARE = 0.20
USER_SHARE = 0.02
MODULE_COUNT = 3
"""Buckets per module instance (`count`)."""
STATUSES = ("FAIL", "PASS", "UNKNOWN", "MANUAL")
T = TypeVar("T")

BUCKET_UNKNOWN = (
    "acceleration_status",
    "acl",
    "arn",
    "bucket_domain_name",
    "bucket_regional_domain_name",
    "cors_rule",
    "grant",
    "hosted_zone_id",
    "id",
    "lifecycle_rule",
    "logging",
    "object_lock_configuration",
    "object_lock_enabled",
    "policy",
    "region",
    "replication_configuration",
    "request_payer",
    "server_side_encryption_configuration",
    "tags_all",
    "versioning",
    "website",
    "website_domain",
    "website_endpoint",
)
"""What the AWS provider computes for a new `aws_s3_bucket`: all known only after apply."""


# -- measuring ---------------------------------------------------------------------------------------


def _status_kib(field_name: str) -> int | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field_name}:"):
                return int(line.split()[1])
    return None


def rss_mib() -> float:
    """The resident set size now (VmRSS)."""
    kib = _status_kib("VmRSS")
    return kib / 1024 if kib is not None else 0.0


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux 4.0+: writing 5 to clear_refs); False where it cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_mib() -> float:
    """The peak RSS since the last reset (VmHWM), else since the process started (ru_maxrss)."""
    kib = _status_kib("VmHWM")
    if kib is not None:
        return kib / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class Step:
    seconds: float
    peak: float
    """Peak RSS during the step, MiB."""
    before: float
    """RSS when it started, MiB."""


def measured(work: Callable[[], T]) -> tuple[T, Step]:
    """`work()`, its wall time and the peak RSS while it ran."""
    gc.collect()
    before = rss_mib()
    reset_peak()
    started = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - started
    return result, Step(elapsed, peak_mib(), before)


# -- the Terraform plan -------------------------------------------------------------------------------


def _refs(*references: str) -> dict[str, Any]:
    return {"references": list(references)}


def _const(value: object) -> dict[str, Any]:
    return {"constant_value": value}


def _links(address: str, attribute: str = "id") -> dict[str, Any]:
    """The references Terraform lists for `address.attribute`: the traversal and its prefix."""
    return _refs(f"{address}.{attribute}", address)


def _policy(name: str, public: bool) -> str:
    """A bucket policy as `jsonencode` writes it: public read, or deny without TLS."""
    statement: dict[str, Any] = (
        {
            "Sid": "PublicRead",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{name}/*",
        }
        if public
        else {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, separators=(",", ":"))


def _rule_block(port: int, cidrs: list[str | None], protocol: str = "tcp") -> dict[str, Any]:
    """One inline `ingress`/`egress` block as the provider plans it (every attribute present)."""
    return {
        "cidr_blocks": cidrs,
        "description": "",
        "from_port": port,
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "protocol": protocol,
        "security_groups": [],
        "self": False,
        "to_port": port,
    }


def _block_unknown(block: dict[str, Any]) -> dict[str, Any]:
    """`after_unknown` of one inline block: its lists element by element (None: unknown element)."""
    return {
        "cidr_blocks": [cidr is None for cidr in block["cidr_blocks"]],
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "security_groups": [],
    }


@dataclass
class _Module:
    """One module of the plan: its planned resources, and its configuration's resources."""

    address: str
    planned: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PlanWriter:
    """Builds the plan's three sections resource by resource."""

    root: _Module = field(default_factory=lambda: _Module(""))
    children: list[_Module] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    config: list[dict[str, Any]] = field(default_factory=list)
    module_config: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0
    kinds: Counter[str] = field(default_factory=Counter)

    def add(
        self,
        module: _Module,
        kind: str,
        name: str,
        values: dict[str, Any],
        unknown: dict[str, Any],
        *,
        index: int | str | None = None,
    ) -> str:
        """A planned instance and its change (`create`); its address."""
        local = f"{kind}.{name}" + ("" if index is None else f"[{json.dumps(index)}]")
        address = f"{module.address}.{local}" if module.address else local
        entry: dict[str, Any] = {
            "address": address,
            "mode": "managed",
            "type": kind,
            "name": name,
            "provider_name": PROVIDER,
            "schema_version": 0,
            "values": values,
            "sensitive_values": {},
        }
        if index is not None:
            entry = {**entry, "index": index}
        module.planned.append(entry)
        change: dict[str, Any] = {"address": address}
        if module.address:
            change["module_address"] = module.address
        change.update(
            mode="managed",
            type=kind,
            name=name,
            provider_name=PROVIDER,
            change={
                "actions": ["create"],
                "before": None,
                "after": values,
                "after_unknown": unknown,
                "before_sensitive": False,
                "after_sensitive": {},
            },
        )
        if index is not None:
            change["index"] = index
        self.changes.append(change)
        self.count += 1
        self.kinds[kind] += 1
        return address

    @staticmethod
    def configured(kind: str, name: str, expressions: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {
            "address": f"{kind}.{name}",
            "mode": "managed",
            "type": kind,
            "name": name,
            "provider_config_key": "aws",
            "expressions": expressions,
            "schema_version": 0,
            **extra,
        }

    def document(self) -> dict[str, Any]:
        return {
            "format_version": "1.2",
            "terraform_version": "1.9.8",
            "variables": {
                "region": {"value": REGION},
                "tenants": {"value": [module.address.split('"')[1] for module in self.children]},
            },
            "planned_values": {
                "outputs": {},
                "root_module": {
                    "resources": self.root.planned,
                    "child_modules": [
                        {"address": module.address, "resources": module.planned} for module in self.children
                    ],
                },
            },
            "resource_changes": self.changes,
            "configuration": {
                "provider_config": {
                    "aws": {
                        "name": "aws",
                        "full_name": PROVIDER,
                        "version_constraint": "~> 5.0",
                        "expressions": {"region": _refs("var.region")},
                    }
                },
                "root_module": {
                    "resources": self.config,
                    "module_calls": {
                        "tenant": {
                            "source": "./modules/tenant",
                            "expressions": {"prefix": _refs("each.key")},
                            "for_each_expression": _refs("var.tenants"),
                            "module": {
                                "resources": self.module_config,
                                "variables": {"prefix": {"description": "The tenant's name prefix"}},
                            },
                        }
                    },
                    "variables": {
                        "region": {"description": "The region to deploy to"},
                        "tenants": {"description": "The tenants, one module instance each"},
                    },
                },
            },
            "timestamp": "2026-11-01T09:00:00Z",
            "applyable": True,
            "complete": True,
            "errored": False,
        }


def _vpc(plan: PlanWriter) -> None:
    """The VPC, its CIDR drawn from an IPAM pool: known only after apply."""
    plan.add(
        plan.root,
        "aws_vpc",
        "main",
        {
            "instance_tenancy": "default",
            "ipv4_ipam_pool_id": "ipam-pool-0123456789abcdef0",
            "ipv4_netmask_length": 20,
            "tags": {"Name": "main"},
        },
        {
            "arn": True,
            "cidr_block": True,
            "default_security_group_id": True,
            "id": True,
            "owner_id": True,
            "tags_all": True,
        },
    )
    plan.config.append(
        plan.configured(
            "aws_vpc",
            "main",
            {
                "ipv4_ipam_pool_id": _const("ipam-pool-0123456789abcdef0"),
                "ipv4_netmask_length": _const(20),
                "tags": _const({"Name": "main"}),
            },
        )
    )


def _tf_bucket(plan: PlanWriter, number: int) -> None:
    """A bucket and its policy, block and ownership (and, one in ten, an ACL), in the root module."""
    name, kind = f"b{number:06d}", number % 5
    bucket = f"aws_s3_bucket.{name}"
    bucket_name = f"example-{name}-data"
    values: dict[str, Any] = {
        "force_destroy": False,
        "tags": {"team": f"team-{number % 40}"},
        "timeouts": None,
    }
    unknown = dict.fromkeys(BUCKET_UNKNOWN, True)
    expressions: dict[str, Any] = {"tags": _const({"team": f"team-{number % 40}"})}
    if kind == 2:  # the name is drawn by the provider from the prefix: known only after apply
        values["bucket_prefix"] = f"example-{name}-"
        unknown["bucket"] = True
        expressions["bucket_prefix"] = _const(f"example-{name}-")
    else:
        values["bucket"] = bucket_name
        unknown["bucket_prefix"] = True
        expressions["bucket"] = _const(bucket_name)
    plan.add(plan.root, "aws_s3_bucket", name, values, unknown)
    plan.config.append(plan.configured("aws_s3_bucket", name, expressions))

    if kind in (1, 2):  # jsonencode({... Resource = "${aws_s3_bucket.x.arn}/*" }): unknown at create
        policy_values: dict[str, Any] = {}
        policy_unknown = {"bucket": True, "id": True, "policy": True}
        policy_expression = _links(bucket, "arn")
    else:
        policy_values = {"policy": _policy(bucket_name, public=kind == 0)}
        policy_unknown = {"bucket": True, "id": True}
        policy_expression = _refs("local.account_id")
    plan.add(plan.root, "aws_s3_bucket_policy", name, policy_values, policy_unknown)
    plan.config.append(
        plan.configured("aws_s3_bucket_policy", name, {"bucket": _links(bucket), "policy": policy_expression})
    )

    lenient = kind == 0 or number % 10 == 1  # lets a public policy through
    block = {
        "block_public_acls": True,
        "block_public_policy": not lenient,
        "ignore_public_acls": True,
        "restrict_public_buckets": not lenient,
    }
    plan.add(plan.root, "aws_s3_bucket_public_access_block", name, block, {"bucket": True, "id": True})
    plan.config.append(
        plan.configured(
            "aws_s3_bucket_public_access_block",
            name,
            {"bucket": _links(bucket), **{key: _const(value) for key, value in block.items()}},
        )
    )

    preferred = number % 10 == 3
    ownership = "BucketOwnerPreferred" if preferred else "BucketOwnerEnforced"
    plan.add(
        plan.root,
        "aws_s3_bucket_ownership_controls",
        name,
        {"rule": [{"object_ownership": ownership}]},
        {"bucket": True, "id": True, "rule": [{}]},
    )
    plan.config.append(
        plan.configured(
            "aws_s3_bucket_ownership_controls",
            name,
            {"bucket": _links(bucket), "rule": [{"object_ownership": _const(ownership)}]},
        )
    )
    if preferred:
        plan.add(
            plan.root,
            "aws_s3_bucket_acl",
            name,
            {"acl": "private", "expected_bucket_owner": None},
            {"access_control_policy": True, "bucket": True, "id": True},
        )
        plan.config.append(
            plan.configured(
                "aws_s3_bucket_acl",
                name,
                {"acl": _const("private"), "bucket": _links(bucket)},
                depends_on=[f"aws_s3_bucket_ownership_controls.{name}"],
            )
        )


def _tf_group(plan: PlanWriter, number: int, peer: str | None) -> str:
    """A security group, with inline rules (even numbers) or separate rule resources linked to it."""
    name = f"g{number:06d}"
    group = f"aws_security_group.{name}"
    values: dict[str, Any] = {
        "description": f"service {number}",
        "name": f"service-{number}",
        "revoke_rules_on_delete": False,
        "tags": {"team": f"team-{number % 40}"},
        "timeouts": None,
    }
    unknown: dict[str, Any] = {
        "arn": True,
        "id": True,
        "name_prefix": True,
        "owner_id": True,
        "tags_all": True,
        "vpc_id": True,
    }
    expressions: dict[str, Any] = {
        "description": _const(f"service {number}"),
        "name": _const(f"service-{number}"),
        "tags": _const({"team": f"team-{number % 40}"}),
        "vpc_id": _links("aws_vpc.main"),
    }
    if peer is None or number % 2 == 0:
        world_port = (22, 5432, 443, 443)[(number // 2) % 4]
        ingress = [_rule_block(world_port, ["0.0.0.0/0"]), _rule_block(5432, ["10.0.0.0/16"])]
        egress = [_rule_block(0, ["0.0.0.0/0"], "-1")]
        if number % 8 == 6:  # from the VPC's CIDR: a reference, known only after apply
            ingress.append(_rule_block(8080, [None]))
        values["ingress"], values["egress"] = ingress, egress
        unknown["ingress"] = [_block_unknown(block) for block in ingress]
        unknown["egress"] = [_block_unknown(block) for block in egress]
        configured = [
            {key: _const(value) for key, value in block.items() if key != "cidr_blocks"}
            | {"cidr_blocks": _const(block["cidr_blocks"])}
            for block in ingress
        ]
        if number % 8 == 6:
            configured[-1]["cidr_blocks"] = _refs("aws_vpc.main.cidr_block", "aws_vpc.main")
        expressions["ingress"] = configured
        expressions["egress"] = _const(egress)
    else:  # rules are separate resources: the inline lists are computed, not configured
        unknown["ingress"] = True
        unknown["egress"] = True
    plan.add(plan.root, "aws_security_group", name, values, unknown)
    plan.config.append(plan.configured("aws_security_group", name, expressions))
    if peer is not None and number % 2 == 1:
        _tf_separate_rules(plan, number, group, peer)
    return group


def _tf_separate_rules(plan: PlanWriter, number: int, group: str, peer: str) -> None:
    """The group's rules as resources of their own, each linked to it by a reference unknown until
    apply: SSH from a network (one in three known only after apply), the application port from the
    peer group, HTTPS out."""
    name = f"g{number:06d}"
    unknown_cidr = number % 6 == 1
    rule_values: dict[str, Any] = {
        "cidr_blocks": [None] if unknown_cidr else ["10.20.0.0/16"],
        "description": "SSH from the bastion network",
        "from_port": 22,
        "ipv6_cidr_blocks": None,
        "prefix_list_ids": None,
        "protocol": "tcp",
        "self": False,
        "timeouts": None,
        "to_port": 22,
        "type": "ingress",
    }
    rule_unknown: dict[str, Any] = {
        "id": True,
        "security_group_id": True,
        "security_group_rule_id": True,
        "source_security_group_id": True,
    }
    if unknown_cidr:
        rule_unknown["cidr_blocks"] = [True]
    plan.add(plan.root, "aws_security_group_rule", f"{name}_ssh", rule_values, rule_unknown)
    plan.config.append(
        plan.configured(
            "aws_security_group_rule",
            f"{name}_ssh",
            {
                "cidr_blocks": _refs("aws_vpc.main.cidr_block", "aws_vpc.main")
                if unknown_cidr
                else _const(["10.20.0.0/16"]),
                "description": _const("SSH from the bastion network"),
                "from_port": _const(22),
                "protocol": _const("tcp"),
                "security_group_id": _links(group),
                "to_port": _const(22),
                "type": _const("ingress"),
            },
        )
    )

    vpc_rule_unknown = {"arn": True, "id": True, "security_group_rule_id": True, "tags_all": True}
    app_values = {
        "cidr_ipv4": None,
        "cidr_ipv6": None,
        "description": "application port from the peer tier",
        "from_port": 8080,
        "ip_protocol": "tcp",
        "prefix_list_id": None,
        "tags": None,
        "to_port": 8080,
    }
    plan.add(
        plan.root,
        "aws_vpc_security_group_ingress_rule",
        f"{name}_app",
        app_values,
        {**vpc_rule_unknown, "security_group_id": True, "referenced_security_group_id": True},
    )
    plan.config.append(
        plan.configured(
            "aws_vpc_security_group_ingress_rule",
            f"{name}_app",
            {
                "description": _const("application port from the peer tier"),
                "from_port": _const(8080),
                "ip_protocol": _const("tcp"),
                "referenced_security_group_id": _links(peer),
                "security_group_id": _links(group),
                "to_port": _const(8080),
            },
        )
    )
    egress_values = {**app_values, "cidr_ipv4": "0.0.0.0/0", "description": "HTTPS out"}
    egress_values.update(from_port=443, to_port=443)
    plan.add(
        plan.root,
        "aws_vpc_security_group_egress_rule",
        f"{name}_https",
        egress_values,
        {**vpc_rule_unknown, "security_group_id": True},
    )
    plan.config.append(
        plan.configured(
            "aws_vpc_security_group_egress_rule",
            f"{name}_https",
            {
                "cidr_ipv4": _const("0.0.0.0/0"),
                "description": _const("HTTPS out"),
                "from_port": _const(443),
                "ip_protocol": _const("tcp"),
                "security_group_id": _links(group),
                "to_port": _const(443),
            },
        )
    )


def _tf_user(plan: PlanWriter, number: int) -> None:
    name = f"u{number:05d}"
    plan.add(
        plan.root,
        "aws_iam_user",
        name,
        {"force_destroy": False, "name": f"person-{number}", "path": "/", "tags": None},
        {"arn": True, "id": True, "tags_all": True, "unique_id": True},
    )
    plan.config.append(plan.configured("aws_iam_user", name, {"name": _const(f"person-{number}")}))
    plan.add(
        plan.root,
        "aws_iam_user_login_profile",
        name,
        {"password_length": 20, "password_reset_required": True, "pgp_key": None},
        {
            "encrypted_password": True,
            "id": True,
            "key_fingerprint": True,
            "password": True,
            "user": True,
        },
    )
    plan.config.append(
        plan.configured(
            "aws_iam_user_login_profile",
            name,
            {
                "password_length": _const(20),
                "password_reset_required": _const(True),
                "user": _links(f"aws_iam_user.{name}", "name"),
            },
        )
    )


def _module_config(plan: PlanWriter) -> None:
    """The tenant module's configuration, shared by its instances."""
    count = {"count_expression": _const(MODULE_COUNT)}
    data = "aws_s3_bucket.data"
    plan.module_config.extend(
        (
            plan.configured("aws_s3_bucket", "data", {"bucket": _refs("var.prefix", "count.index")}, **count),
            plan.configured(
                "aws_s3_bucket_policy",
                "data",
                {"bucket": _refs(data, "count.index"), "policy": _refs("var.prefix", "count.index")},
                **count,
            ),
            plan.configured(
                "aws_s3_bucket_public_access_block",
                "data",
                {
                    "block_public_acls": _const(True),
                    "block_public_policy": _const(True),
                    "bucket": _refs(data, "count.index"),
                    "ignore_public_acls": _const(True),
                    "restrict_public_buckets": _const(True),
                },
                **count,
            ),
            plan.configured(
                "aws_security_group",
                "app",
                {
                    "description": _const("tenant application"),
                    "ingress": _const([_rule_block(443, ["0.0.0.0/0"])]),
                    "egress": _const([_rule_block(0, ["0.0.0.0/0"], "-1")]),
                    "name": _refs("var.prefix"),
                },
            ),
        )
    )


def _tf_tenant(plan: PlanWriter, number: int) -> None:
    """One instance of the tenant module (`for_each`): buckets with `count`, and a group."""
    tenant = f"t{number:04d}"
    module = _Module(f'module.tenant["{tenant}"]')
    plan.children.append(module)
    for index in range(MODULE_COUNT):
        bucket_name = f"{tenant}-data-{index}"
        unknown = dict.fromkeys(BUCKET_UNKNOWN, True) | {"bucket_prefix": True}
        plan.add(
            module,
            "aws_s3_bucket",
            "data",
            {"bucket": bucket_name, "force_destroy": False, "tags": None, "timeouts": None},
            unknown,
            index=index,
        )
        plan.add(
            module,
            "aws_s3_bucket_policy",
            "data",
            {"policy": _policy(bucket_name, public=index == 2 and number % 2 == 0)},
            {"bucket": True, "id": True},
            index=index,
        )
        plan.add(
            module,
            "aws_s3_bucket_public_access_block",
            "data",
            {
                "block_public_acls": True,
                "block_public_policy": True,
                "ignore_public_acls": True,
                "restrict_public_buckets": True,
            },
            {"bucket": True, "id": True},
            index=index,
        )
    ingress, egress = [_rule_block(443, ["0.0.0.0/0"])], [_rule_block(0, ["0.0.0.0/0"], "-1")]
    plan.add(
        module,
        "aws_security_group",
        "app",
        {
            "description": "tenant application",
            "egress": egress,
            "ingress": ingress,
            "name": tenant,
            "revoke_rules_on_delete": False,
            "tags": None,
            "timeouts": None,
        },
        {
            "arn": True,
            "egress": [_block_unknown(egress[0])],
            "id": True,
            "ingress": [_block_unknown(ingress[0])],
            "name_prefix": True,
            "owner_id": True,
            "tags_all": True,
            "vpc_id": True,
        },
    )


def terraform_plan(total: int) -> tuple[dict[str, Any], int]:
    """A plan of about `total` resources, and the number of managed resources it plans."""
    plan = PlanWriter()
    _vpc(plan)
    _module_config(plan)
    per_tenant = 3 * MODULE_COUNT + 1
    tenants = int(total * MODULE_SHARE) // per_tenant
    for number in range(tenants):
        _tf_tenant(plan, number)
    users = max(1, int(total * USER_SHARE) // 2)
    for number in range(users):
        _tf_user(plan, number)
    number, peer = 0, None
    while plan.count < total:  # the rest: buckets and groups, alternating
        if number % 2 == 0:
            _tf_bucket(plan, number // 2)
        else:
            group = _tf_group(plan, number // 2, peer)
            peer = group if (number // 2) % 2 == 0 else peer
        number += 1
    return plan.document(), plan.count


# -- the CloudFormation template ----------------------------------------------------------------------


def _cfn_bucket(lines: list[str], number: int) -> int:
    name, kind = f"Bucket{number:06d}", number % 5
    lenient = kind == 0 or number % 10 == 1
    preferred = number % 10 == 3
    lines += [f"  {name}:", "    Type: AWS::S3::Bucket", "    Properties:"]
    if kind != 2:  # else: the name is left to CloudFormation
        lines.append(f"      BucketName: example-bucket-{number:06d}-data")
    if preferred:
        lines.append("      AccessControl: Private")
    lines += [
        "      PublicAccessBlockConfiguration:",
        "        BlockPublicAcls: true",
        f"        BlockPublicPolicy: {'false' if lenient else 'true'}",
        "        IgnorePublicAcls: true",
        f"        RestrictPublicBuckets: {'false' if lenient else 'true'}",
        "      OwnershipControls:",
        "        Rules:",
        f"          - ObjectOwnership: {'BucketOwnerPreferred' if preferred else 'BucketOwnerEnforced'}",
        "      Tags:",
        "        - Key: team",
        f"          Value: team-{number % 40}",
        f"  {name}Policy:",
        "    Type: AWS::S3::BucketPolicy",
        "    Properties:",
        f"      Bucket: !Ref {name}",
        "      PolicyDocument:",
        "        Version: 2012-10-17",
        "        Statement:",
    ]
    if kind == 0:
        lines += [
            "          - Sid: PublicRead",
            "            Effect: Allow",
            "            Principal: '*'",
            "            Action: s3:GetObject",
            f"            Resource: !Sub 'arn:${{AWS::Partition}}:s3:::${{{name}}}/*'",
        ]
    elif kind == 1:  # a principal from a parameter without default: unknown until deployment
        lines += [
            "          - Sid: ReadersRole",
            "            Effect: Allow",
            "            Principal:",
            "              AWS: !Ref ReadersRoleArn",
            "            Action: [s3:GetObject, s3:ListBucket]",
            "            Resource:",
            f"              - !GetAtt {name}.Arn",
            f"              - !Sub '${{{name}.Arn}}/*'",
        ]
    else:
        lines += [
            "          - Sid: DenyInsecureTransport",
            "            Effect: Deny",
            "            Principal: '*'",
            "            Action: 's3:*'",
            "            Resource:",
            f"              - !GetAtt {name}.Arn",
            f"              - !Join ['', [!GetAtt {name}.Arn, '/*']]",
            "            Condition:",
            "              Bool:",
            "                aws:SecureTransport: 'false'",
        ]
    return 2


def _cfn_ingress(port: int, cidr: str, indent: str) -> list[str]:
    return [
        f"{indent}- IpProtocol: tcp",
        f"{indent}  FromPort: {port}",
        f"{indent}  ToPort: {port}",
        f"{indent}  CidrIp: {cidr}",
    ]


def _cfn_group(lines: list[str], number: int, peer: str | None) -> tuple[int, str]:
    name = f"Group{number:06d}"
    lines += [
        f"  {name}:",
        "    Type: AWS::EC2::SecurityGroup",
        "    Properties:",
        f"      GroupDescription: service {number}",
        "      VpcId: !Ref VpcId",
    ]
    if number % 2 == 0 or peer is None:
        world_port = (22, 5432, 443, 443)[(number // 2) % 4]
        lines.append("      SecurityGroupIngress:")
        lines += _cfn_ingress(world_port, "0.0.0.0/0", "        ")
        lines += _cfn_ingress(5432, "10.0.0.0/16", "        ")
        if number % 8 == 6:  # SSH only in production, from a parameter's network
            lines += [
                "        - !If",
                "          - IsProd",
                "          - IpProtocol: tcp",
                "            FromPort: 22",
                "            ToPort: 22",
                "            CidrIp: !Ref AdminCidr",
                "          - !Ref AWS::NoValue",
            ]
        if number % 4 == 0:  # names its egress: CloudFormation's allow-all default is not kept
            lines.append("      SecurityGroupEgress:")
            lines += _cfn_ingress(443, "0.0.0.0/0", "        ")
        return 1, name
    lines += [
        f"  {name}Ssh:",
        "    Type: AWS::EC2::SecurityGroupIngress",
        "    Properties:",
        f"      GroupId: !GetAtt {name}.GroupId",
        "      IpProtocol: tcp",
        "      FromPort: 22",
        "      ToPort: 22",
        "      CidrIp: !Ref AdminCidr" if number % 6 == 1 else "      CidrIp: 10.20.0.0/16",
        f"  {name}App:",
        "    Type: AWS::EC2::SecurityGroupIngress",
        "    Properties:",
        f"      GroupId: !Ref {name}",
        "      IpProtocol: tcp",
        "      FromPort: 8080",
        "      ToPort: 8080",
        f"      SourceSecurityGroupId: !GetAtt {peer}.GroupId",
        f"  {name}Https:",
        "    Type: AWS::EC2::SecurityGroupEgress",
        "    Properties:",
        f"      GroupId: !GetAtt {name}.GroupId",
        "      IpProtocol: tcp",
        "      FromPort: 443",
        "      ToPort: 443",
        "      CidrIp: 0.0.0.0/0",
    ]
    return 4, name


def _cfn_user(lines: list[str], number: int) -> int:
    lines += [
        f"  User{number:05d}:",
        "    Type: AWS::IAM::User",
        "    Properties:",
        f"      UserName: person-{number}",
        "      LoginProfile:",
        "        Password: !Ref InitialPassword",
        "        PasswordResetRequired: true",
    ]
    return 1


CFN_HEADER = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: Benchmark template of {total} resources (buckets, security groups, users).
Parameters:
  VpcId:
    Type: AWS::EC2::VPC::Id
  AdminCidr:
    Type: String
    Description: The administrators' network (no default)
  ReadersRoleArn:
    Type: String
  InitialPassword:
    Type: String
    NoEcho: true
  Environment:
    Type: String
    Default: prod
    AllowedValues: [dev, prod]
Conditions:
  IsProd: !Equals [!Ref Environment, prod]
Resources:
"""


def cloudformation_template(total: int) -> tuple[str, int]:
    """A template of about `total` resources (YAML, short-form tags), and its number of resources."""
    lines = [CFN_HEADER.format(total=f"{total:,}").rstrip("\n")]
    count = 0
    for number in range(max(1, int(total * USER_SHARE))):
        count += _cfn_user(lines, number)
    number, peer = 0, None
    while count < total:
        if number % 2 == 0:
            count += _cfn_bucket(lines, number // 2)
        else:
            added, group = _cfn_group(lines, number // 2, peer)
            count += added
            peer = group if (number // 2) % 2 == 0 else peer
        number += 1
    return "\n".join(lines) + "\n", count


# -- the steps -----------------------------------------------------------------------------------------

IAC_RULES = tuple(rule for rule in RULES if rule.iac is not None)


def judge(built: Built) -> Counter[str]:
    """Evaluate as `cloudwarden iac` does, counting findings per status and keeping none."""
    statuses: Counter[str] = Counter()
    evaluation = Evaluation(
        built.snapshot, Config(), IAC_RULES, prepare=built.relabel, warnings=built.warnings
    )
    for finding in evaluation:
        statuses[str(finding.status)] += 1
    evaluation.summary()
    return statuses


def command(file: Path, report: Path) -> Counter[str]:
    """`cloudwarden iac FILE --format json --output REPORT` in this process; its findings per status."""
    result = CliRunner().invoke(app, ["iac", str(file), "--format", "json", "--output", str(report)])
    if result.exit_code not in (0, 1):
        raise SystemExit(f"cloudwarden iac {file} exited {result.exit_code}: {result.output}")
    findings = json.loads(report.read_bytes())["findings"]
    return Counter(str(finding["status"]) for finding in findings)


@dataclass(frozen=True)
class Measured:
    label: str
    resources: int
    size: int
    steps: dict[str, Step]
    judged: Counter[str]
    reported: Counter[str]
    parsed: int
    warnings: int
    """What the documents hold that was not judged (a policy or rule whose link was not followed)."""


def fastest(runs: list[Measured]) -> Measured:
    """The fastest of each step over `runs` (their findings are the same: the same file, judged alike)."""
    first = runs[0]
    steps = {
        name: min((run.steps[name] for run in runs), key=lambda step: step.seconds) for name in first.steps
    }
    return dataclasses.replace(first, steps=steps)


def measure(label: str, file: Path, resources: int, scratch: Path) -> Measured:
    """Each step on `file`, the whole command first (nothing of the other steps held yet)."""
    steps: dict[str, Step] = {}
    reported, steps["cloudwarden iac"] = measured(lambda: command(file, scratch / f"{file.stem}.report.json"))
    documents, steps["read + parse"] = measured(lambda: read_documents([file]))
    parsed = sum(len(document.resources) for document in documents)
    built, steps["translate"] = measured(lambda: build(documents))
    judged, steps["judge"] = measured(lambda: judge(built))
    size = file.stat().st_size
    return Measured(label, resources, size, steps, judged, reported, parsed, len(built.warnings))


def _statuses(counts: Counter[str]) -> str:
    return "  ".join(f"{status} {counts[status]:,}" for status in STATUSES) + (
        f"  (total {counts.total():,})"
    )


def report(results: list[Measured]) -> Iterator[str]:
    for result in results:
        yield (
            f"{result.label:<24}{result.resources:>10,} resources  {result.size / 2**20:8.1f} MiB  "
            f"{result.parsed:,} read, {result.warnings:,} not judged"
        )
        for name in ("read + parse", "translate", "judge", "cloudwarden iac"):
            step = result.steps[name]
            yield (
                f"  {name:<22}{step.seconds:8.2f} s   peak RSS {step.peak:7.0f} MiB   "
                f"(held before: {step.before:5.0f} MiB)"
            )
        parts = sum(result.steps[name].seconds for name in ("read + parse", "translate", "judge"))
        yield f"  {'the three steps':<22}{parts:8.2f} s   {result.resources / parts:,.0f} resources/s"
        yield f"  findings (judge)      {_statuses(result.judged)}"
        yield f"  findings (report)     {_statuses(result.reported)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("resources", nargs="?", type=int, default=5_000, help="per file (default 5,000)")
    parser.add_argument("--keep", type=Path, help="write the files to this directory and keep them")
    parser.add_argument("--repeat", type=int, default=1, help="keep the fastest of N runs of each step")
    arguments = parser.parse_args()
    total = max(20, arguments.resources)
    with contextlib.ExitStack() as stack:
        scratch = (
            arguments.keep
            if arguments.keep
            else Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cloudwarden-bench-")))
        )
        scratch.mkdir(parents=True, exist_ok=True)
        plan_file, template_file = scratch / "plan.json", scratch / "template.yaml"
        started = time.perf_counter()
        plan, planned = terraform_plan(total)
        plan_file.write_text(json.dumps(plan, indent=1))
        del plan
        template, templated = cloudformation_template(total)
        template_file.write_text(template)
        del template
        generated = time.perf_counter() - started
        print(f"generated both files in {generated:.2f} s (not timed below)")
        runs = max(1, arguments.repeat)
        results = [
            fastest([measure(label, file, count, scratch) for _ in range(runs)])
            for label, file, count in (
                ("terraform plan (JSON)", plan_file, planned),
                ("cloudformation (YAML)", template_file, templated),
            )
        ]
    for line in report(results):
        print(line)
    command_seconds = results[0].steps["cloudwarden iac"].seconds
    print(
        f"target                  the plan's whole command within seconds (< 10 s): "
        f"{'met' if command_seconds < 10 else 'MISSED'} ({command_seconds:.2f} s)"
    )


if __name__ == "__main__":
    main()
