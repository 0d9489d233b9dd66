"""Terraform plans (`terraform show -json`) into documents: the resources, their actions and regions, the
values known only after apply as `Unknown`, the links to other resources as `Ref`, and an `IacError`
naming the JSON path of anything that is not the documented format."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from cloudwarden.findings import Location
from cloudwarden.iac.model import Action, IacDocument, IacError, IacResource, Ref, Tool, Unknown
from cloudwarden.iac.terraform import parse_plan

FIXTURES = Path(__file__).parent / "fixtures" / "terraform"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def parse(name: str) -> IacDocument:
    return parse_plan(load(name), name)


def by_address(document: IacDocument) -> dict[str, IacResource]:
    return {resource.address: resource for resource in document.resources}


def summary(document: IacDocument) -> list[tuple[str, str, Action, str | None]]:
    return [(r.address, r.type, r.action, r.region) for r in document.resources]


def placeholders(value: object, path: str = "") -> Iterator[tuple[str, Unknown | Ref]]:
    """Every `Unknown` and `Ref` leaf of a value, with its path."""
    if isinstance(value, Unknown | Ref):
        yield path, value
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            yield from placeholders(inner, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from placeholders(inner, f"{path}[{index}]")


def unknowns(resource: IacResource) -> dict[str, Unknown | Ref]:
    return dict(placeholders(resource.values))


def u(attribute: str) -> Unknown:
    return Unknown(attribute)


def computed_not_configured(name: str, address: str) -> set[str]:
    """The attributes of a fixture's resource that `after_unknown` marks unknown as a whole but that
    its configuration does not set (no key in its `expressions`): what the parser leaves out."""
    plan = load(name)
    (change,) = (
        entry["change"]
        for entry in plan["resource_changes"]
        if entry["address"] == address and "deposed" not in entry
    )
    *calls, kind, rest = address.split(".")
    module = plan["configuration"]["root_module"]
    for call in calls[1::2]:
        module = module["module_calls"][call.split("[")[0]]["module"]
    (config,) = (r for r in module["resources"] if r["address"] == f"{kind}.{rest.split('[')[0]}")
    return {
        attribute
        for attribute, unknown in change["after_unknown"].items()
        if unknown is True and attribute not in config["expressions"]
    }


BUCKET_AFTER_APPLY = (
    "acceleration_status",
    "acl",
    "arn",
    "bucket_domain_name",
    "bucket_prefix",
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


# -- fixture 1: a child module, a variable, a module output ---------------------------------------------


def test_module_web_resources_actions_and_regions() -> None:
    document = parse("module_web.json")
    assert document.path == "module_web.json"
    assert document.tool is Tool.TERRAFORM
    assert document.notes == ()
    assert summary(document) == [
        ("aws_route53_record.assets", "aws_route53_record", Action.CREATE, "eu-central-1"),
        ("module.web.aws_s3_bucket.site", "aws_s3_bucket", Action.CREATE, "eu-central-1"),
        ("module.web.aws_s3_bucket_policy.site", "aws_s3_bucket_policy", Action.CREATE, "eu-central-1"),
        (
            "module.web.aws_s3_bucket_public_access_block.site",
            "aws_s3_bucket_public_access_block",
            Action.CREATE,
            "eu-central-1",
        ),
    ]
    assert {r.location for r in document.resources} == {Location(file="module_web.json", line=None)}
    assert {r.before for r in document.resources} == {None}


def test_module_web_bucket_name_from_a_variable_stays_known() -> None:
    bucket = by_address(parse("module_web.json"))["module.web.aws_s3_bucket.site"]
    address = "module.web.aws_s3_bucket.site"
    # only `bucket` is configured: every attribute known after apply is the provider's, not set
    assert computed_not_configured("module_web.json", address) == set(BUCKET_AFTER_APPLY)
    assert bucket.values == {
        "bucket": "example-web-assets",
        "force_destroy": False,
        "tags": None,
        "timeouts": None,
    }


def test_module_web_policy_and_block_link_to_the_modules_bucket() -> None:
    resources = by_address(parse("module_web.json"))
    policy = resources["module.web.aws_s3_bucket_policy.site"]
    assert policy.values == {
        "bucket": Ref(
            "module.web.aws_s3_bucket.site", "id", at="module.web.aws_s3_bucket_policy.site.bucket"
        ),
        # the bucket's ARN and an account id read by a data source: not a link to one resource
        "policy": u("module.web.aws_s3_bucket_policy.site.policy"),
    }
    block = resources["module.web.aws_s3_bucket_public_access_block.site"]
    assert block.values == {
        "block_public_acls": True,
        "block_public_policy": False,
        "ignore_public_acls": True,
        "restrict_public_buckets": False,
        "bucket": Ref(
            "module.web.aws_s3_bucket.site",
            "id",
            at="module.web.aws_s3_bucket_public_access_block.site.bucket",
        ),
    }
    # `id` is computed, not configured: left out
    for address in (
        "module.web.aws_s3_bucket_policy.site",
        "module.web.aws_s3_bucket_public_access_block.site",
    ):
        assert computed_not_configured("module_web.json", address) == {"id"}


def test_module_web_record_links_through_the_modules_output() -> None:
    record = by_address(parse("module_web.json"))["aws_route53_record.assets"]
    unset = computed_not_configured("module_web.json", "aws_route53_record.assets")
    assert unset == {"allow_overwrite", "fqdn", "id"}
    assert unset.isdisjoint(record.values)
    assert unknowns(record) == {
        "records": Ref(
            "module.web.aws_s3_bucket.site",
            "bucket_regional_domain_name",
            at="aws_route53_record.assets.records",
        ),
    }
    assert record.values["name"] == "assets.example.com"
    assert record.values["type"] == "CNAME"
    assert record.values["zone_id"] == "Z0123456789ABCDEFGHIJ"


# -- fixture 2: unknown ids and CIDRs ------------------------------------------------------------------


def test_security_groups_unknown_ids_and_cidrs_link_to_their_resources() -> None:
    document = parse("security_groups.json")
    assert document.notes == ()
    assert summary(document) == [
        ("aws_security_group.lb", "aws_security_group", Action.NO_OP, "us-east-1"),
        ("aws_security_group.web", "aws_security_group", Action.CREATE, "us-east-1"),
        ("aws_security_group_rule.web_from_vpc", "aws_security_group_rule", Action.CREATE, "us-east-1"),
        ("aws_vpc.main", "aws_vpc", Action.CREATE, "us-east-1"),
        (
            "aws_vpc_security_group_ingress_rule.from_lb",
            "aws_vpc_security_group_ingress_rule",
            Action.CREATE,
            "us-east-1",
        ),
        (
            "aws_vpc_security_group_ingress_rule.ssh",
            "aws_vpc_security_group_ingress_rule",
            Action.CREATE,
            "us-east-1",
        ),
    ]
    resources = by_address(document)
    assert unknowns(resources["aws_security_group.lb"]) == {}
    unset = {"arn", "id", "name_prefix", "owner_id", "tags_all"}
    assert computed_not_configured("security_groups.json", "aws_security_group.web") == unset
    assert unset.isdisjoint(resources["aws_security_group.web"].values)
    assert unknowns(resources["aws_security_group.web"]) == {
        "vpc_id": Ref("aws_vpc.main", "id", at="aws_security_group.web.vpc_id"),
    }
    rule = resources["aws_security_group_rule.web_from_vpc"]
    # `cidr_blocks` is configured: no `source_security_group_id` (nor the ids) is set
    assert computed_not_configured("security_groups.json", rule.address) == {
        "id",
        "security_group_rule_id",
        "source_security_group_id",
    }
    assert rule.values == {
        "cidr_blocks": [
            Ref("aws_vpc.main", "cidr_block", at="aws_security_group_rule.web_from_vpc.cidr_blocks[0]")
        ],
        "description": "Application port from the VPC",
        "from_port": 8080,
        "ipv6_cidr_blocks": None,
        "prefix_list_ids": None,
        "protocol": "tcp",
        "self": False,
        "timeouts": None,
        "to_port": 8080,
        "type": "ingress",
        "security_group_id": Ref(
            "aws_security_group.web", "id", at="aws_security_group_rule.web_from_vpc.security_group_id"
        ),
    }
    ssh = resources["aws_vpc_security_group_ingress_rule.ssh"]
    unset = {"arn", "id", "security_group_rule_id", "tags_all"}
    assert computed_not_configured("security_groups.json", ssh.address) == unset
    assert unset.isdisjoint(ssh.values)
    assert unknowns(ssh) == {
        "security_group_id": Ref(
            "aws_security_group.web", "id", at="aws_vpc_security_group_ingress_rule.ssh.security_group_id"
        ),
    }
    assert ssh.values["cidr_ipv4"] == "0.0.0.0/0"


def test_a_known_value_stays_known_though_its_expression_is_a_reference() -> None:
    from_lb = by_address(parse("security_groups.json"))["aws_vpc_security_group_ingress_rule.from_lb"]
    assert from_lb.values["referenced_security_group_id"] == "sg-0a1b2c3d4e5f60718"
    assert unknowns(from_lb) == {
        "security_group_id": Ref(
            "aws_security_group.web", "id", at="aws_vpc_security_group_ingress_rule.from_lb.security_group_id"
        )
    }
    unset = {"arn", "id", "security_group_rule_id", "tags_all"}
    assert computed_not_configured("security_groups.json", from_lb.address) == unset
    assert unset.isdisjoint(from_lb.values)


def test_security_groups_inline_rules_are_the_planned_values() -> None:
    web = by_address(parse("security_groups.json"))["aws_security_group.web"]
    assert web.values["ingress"] == [
        {
            "cidr_blocks": ["0.0.0.0/0"],
            "description": "HTTPS",
            "from_port": 443,
            "ipv6_cidr_blocks": [],
            "prefix_list_ids": [],
            "protocol": "tcp",
            "security_groups": [],
            "self": False,
            "to_port": 443,
        }
    ]
    assert web.values["egress"][0]["protocol"] == "-1"


# -- fixture 3: count and for_each ---------------------------------------------------------------------


def test_count_and_for_each_instances_link_to_the_instance_of_their_own_key() -> None:
    document = parse("count_for_each.json")
    assert document.notes == ()
    resources = by_address(document)
    assert list(resources) == [
        "aws_cloudtrail.audit",
        "aws_s3_bucket.data[0]",
        "aws_s3_bucket.data[1]",
        'aws_s3_bucket.logs["app"]',
        'aws_s3_bucket.logs["audit"]',
        "aws_s3_bucket_acl.data[0]",
        "aws_s3_bucket_acl.data[1]",
        'aws_s3_bucket_ownership_controls.logs["app"]',
        'aws_s3_bucket_ownership_controls.logs["audit"]',
        "aws_s3_bucket_policy.first_data",
        'aws_s3_bucket_public_access_block.logs["app"]',
        'aws_s3_bucket_public_access_block.logs["audit"]',
    ]
    assert {(r.action, r.region) for r in document.resources} == {(Action.CREATE, "eu-west-1")}
    links = {
        address: resource.values["bucket"]
        for address, resource in resources.items()
        if isinstance(resource.values.get("bucket"), Ref)
    }
    assert links == {
        "aws_s3_bucket_acl.data[0]": Ref(
            "aws_s3_bucket.data[0]", None, at="aws_s3_bucket_acl.data[0].bucket"
        ),
        "aws_s3_bucket_acl.data[1]": Ref(
            "aws_s3_bucket.data[1]", None, at="aws_s3_bucket_acl.data[1].bucket"
        ),
        "aws_s3_bucket_policy.first_data": Ref(
            "aws_s3_bucket.data[0]", "id", at="aws_s3_bucket_policy.first_data.bucket"
        ),
        'aws_s3_bucket_public_access_block.logs["app"]': Ref(
            'aws_s3_bucket.logs["app"]', None, at='aws_s3_bucket_public_access_block.logs["app"].bucket'
        ),
        'aws_s3_bucket_public_access_block.logs["audit"]': Ref(
            'aws_s3_bucket.logs["audit"]', None, at='aws_s3_bucket_public_access_block.logs["audit"].bucket'
        ),
        'aws_s3_bucket_ownership_controls.logs["app"]': Ref(
            'aws_s3_bucket.logs["app"]', "id", at='aws_s3_bucket_ownership_controls.logs["app"].bucket'
        ),
        'aws_s3_bucket_ownership_controls.logs["audit"]': Ref(
            'aws_s3_bucket.logs["audit"]', "id", at='aws_s3_bucket_ownership_controls.logs["audit"].bucket'
        ),
    }


def test_for_each_over_a_resource_links_each_value_to_the_instance_of_its_own_key() -> None:
    """`for_each = aws_s3_bucket.logs`, `bucket = each.value.id`: `for_each_expression` references
    exactly that resource, so `each.value` of the instance "app" is `aws_s3_bucket.logs["app"]`."""
    resources = by_address(parse("count_for_each.json"))
    for key in ("app", "audit"):
        address = f'aws_s3_bucket_ownership_controls.logs["{key}"]'
        assert computed_not_configured("count_for_each.json", address) == {"id"}
        assert resources[address].values == {
            "bucket": Ref(f'aws_s3_bucket.logs["{key}"]', "id", at=f"{address}.bucket"),
            "rule": [{"object_ownership": "BucketOwnerEnforced"}],
        }


def each_value_plan(for_each: dict[str, Any], bucket: dict[str, Any], key: str = "x") -> dict[str, Any]:
    """Buckets `b["x"]`, `b["y"]` and a policy `p[key]` with the given `for_each_expression` and
    `bucket` expression (its value after_unknown)."""
    buckets = [resource(f'aws_s3_bucket.b["{k}"]', {}, {"id": True}, {}, index=k) for k in ("x", "y")]
    policy = resource(f'aws_s3_bucket_policy.p["{key}"]', {}, {"bucket": True}, {"bucket": bucket}, index=key)
    policy[2]["for_each_expression"] = for_each
    return plan_of(*buckets, policy)


EACH_VALUE_ID = {"references": ["each.value.id", "each.value"]}


def test_each_value_links_to_the_instance_of_the_policys_key() -> None:
    plan = each_value_plan({"references": ["aws_s3_bucket.b"]}, EACH_VALUE_ID, key="y")
    policy = by_address(parse_plan(plan, "p"))['aws_s3_bucket_policy.p["y"]']
    assert policy.values == {
        "bucket": Ref('aws_s3_bucket.b["y"]', "id", at='aws_s3_bucket_policy.p["y"].bucket')
    }


@pytest.mark.parametrize(
    ("for_each", "bucket", "key"),
    [
        ({"references": ["var.names"]}, EACH_VALUE_ID, "x"),  # over a variable: each.value is its element
        ({"references": ["aws_s3_bucket.b", "local.extra"]}, EACH_VALUE_ID, "x"),  # over two objects
        ({"references": ['aws_s3_bucket.b["x"]', "aws_s3_bucket.b"]}, EACH_VALUE_ID, "x"),  # one instance
        ({"references": ["aws_s3_bucket.b.tags", "aws_s3_bucket.b"]}, EACH_VALUE_ID, "x"),  # an attribute
        ({"references": ["aws_s3_bucket.b"]}, EACH_VALUE_ID, "z"),  # a key that names no bucket
        (
            {"references": ["aws_s3_bucket.b"]},
            {"references": ["each.value.id", "each.value", "each.key"]},
            "x",
        ),
        (
            {"references": ["aws_s3_bucket.b"]},
            {"references": ["each.value.id", "each.value.arn", "each.value"]},
            "x",
        ),
    ],
)
def test_each_value_that_is_not_the_instance_of_its_key_is_no_link(
    for_each: dict[str, Any], bucket: dict[str, Any], key: str
) -> None:
    policy = by_address(parse_plan(each_value_plan(for_each, bucket, key), "p"))[
        f'aws_s3_bucket_policy.p["{key}"]'
    ]
    assert policy.values == {"bucket": u(f'aws_s3_bucket_policy.p["{key}"].bucket')}


def test_without_for_each_each_value_is_no_link() -> None:
    policy = resource("aws_s3_bucket_policy.p", {}, {"bucket": True}, {"bucket": EACH_VALUE_ID})
    resources = by_address(parse_plan(plan_of(BUCKET, policy), "p"))
    assert resources["aws_s3_bucket_policy.p"].values == {"bucket": u("aws_s3_bucket_policy.p.bucket")}


def test_a_static_key_links_to_that_instance_and_data_sources_are_skipped() -> None:
    resources = by_address(parse("count_for_each.json"))
    trail = resources["aws_cloudtrail.audit"]
    assert trail.values["s3_bucket_name"] == Ref(
        'aws_s3_bucket.logs["audit"]', "id", at="aws_cloudtrail.audit.s3_bucket_name"
    )
    assert trail.values["is_multi_region_trail"] is True
    policy = resources["aws_s3_bucket_policy.first_data"]
    assert isinstance(policy.values["policy"], str)
    assert json.loads(policy.values["policy"])["Statement"][0]["Sid"] == "DenyInsecureTransport"
    assert not any(address.startswith("data.") for address in resources)


# -- fixture 4: actions --------------------------------------------------------------------------------


def test_actions_update_replace_delete_no_op_and_what_is_skipped() -> None:
    document = parse("actions.json")
    assert summary(document) == [
        ("aws_iam_user.alice", "aws_iam_user", Action.CREATE, "us-west-2"),
        ("aws_iam_user_login_profile.alice", "aws_iam_user_login_profile", Action.CREATE, "us-west-2"),
        ("aws_s3_bucket.assets", "aws_s3_bucket", Action.NO_OP, "us-west-2"),
        (
            "aws_s3_bucket_public_access_block.assets",
            "aws_s3_bucket_public_access_block",
            Action.UPDATE,
            "us-west-2",
        ),
        ("aws_security_group.legacy", "aws_security_group", Action.REPLACE, "us-west-2"),
        # deleted with its configuration: no provider configuration says where
        ("aws_s3_bucket_acl.old", "aws_s3_bucket_acl", Action.DELETE, None),
    ]
    assert document.notes == (
        "aws_route53_record.legacy: forgotten by Terraform, left deployed unmanaged: not judged",
    )


def test_actions_before_values() -> None:
    plan = load("actions.json")
    changes = {
        entry["address"]: entry["change"] for entry in plan["resource_changes"] if "deposed" not in entry
    }
    resources = by_address(parse_plan(plan, "actions.json"))
    block = resources["aws_s3_bucket_public_access_block.assets"]
    assert block.before == changes["aws_s3_bucket_public_access_block.assets"]["before"]
    assert block.before is not None
    assert block.before["block_public_policy"] is True
    assert block.values["block_public_policy"] is False
    legacy = resources["aws_security_group.legacy"]
    assert legacy.before is not None
    assert legacy.before["id"] == "sg-0123456789abcdef0"
    # the replacement's id (like its arn, owner) is computed, not configured: left out, every other
    # value is the planned one
    unset = {"arn", "id", "name_prefix", "owner_id", "tags_all"}
    assert computed_not_configured("actions.json", "aws_security_group.legacy") == unset
    assert legacy.values == changes["aws_security_group.legacy"]["after"]
    assert unset.isdisjoint(legacy.values)
    acl = resources["aws_s3_bucket_acl.old"]
    assert acl.before == acl.values == changes["aws_s3_bucket_acl.old"]["before"]
    assert resources["aws_s3_bucket.assets"].before is None
    assert resources["aws_iam_user_login_profile.alice"].before is None


def test_actions_login_profile_user_is_known() -> None:
    profile = by_address(parse("actions.json"))["aws_iam_user_login_profile.alice"]
    assert computed_not_configured("actions.json", profile.address) == {
        "encrypted_password",
        "id",
        "key_fingerprint",
        "password",
        "password_reset_required",
    }
    assert profile.values == {"password_length": 20, "pgp_key": None, "user": "alice"}


# -- fixture 5: providers and regions ------------------------------------------------------------------


def test_multi_provider_regions() -> None:
    document = parse("multi_provider.json")
    assert document.notes == ()
    assert summary(document) == [
        ("aws_cloudtrail.org", "aws_cloudtrail", Action.CREATE, "us-east-1"),
        (
            "aws_s3_bucket.replica",
            "aws_s3_bucket",
            Action.CREATE,
            "us-west-2",
        ),  # aws.west, var.replica_region
        ("aws_s3_bucket.scratch", "aws_s3_bucket", Action.CREATE, None),  # aws.ambient says no region
        ("aws_s3_bucket.trail_logs", "aws_s3_bucket", Action.CREATE, "us-east-1"),
        ("module.replica.aws_s3_bucket.this", "aws_s3_bucket", Action.CREATE, "us-west-2"),  # passed aws.west
    ]


def test_multi_provider_trail_links_in_nested_blocks() -> None:
    trail = by_address(parse("multi_provider.json"))["aws_cloudtrail.org"]
    unset = {"arn", "home_region", "id", "sns_topic_arn", "tags_all"}
    assert computed_not_configured("multi_provider.json", trail.address) == unset
    assert unset.isdisjoint(trail.values)
    assert unknowns(trail) == {
        "event_selector[0].data_resource[0].values[0]": Ref(
            "aws_s3_bucket.trail_logs",
            "arn",
            at="aws_cloudtrail.org.event_selector[0].data_resource[0].values[0]",
        ),
        "s3_bucket_name": Ref("aws_s3_bucket.trail_logs", "id", at="aws_cloudtrail.org.s3_bucket_name"),
    }
    assert trail.values["event_selector"][0]["data_resource"][0]["type"] == "AWS::S3::Object"


# -- inline plans: one behaviour each --------------------------------------------------------------------


def resource(
    address: str,
    values: dict[str, Any],
    after_unknown: dict[str, Any],
    expressions: dict[str, Any],
    *,
    actions: tuple[str, ...] = ("create",),
    index: int | str | None = None,
    provider: str = "aws",
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A root resource's planned values, change and configuration entries."""
    kind, name = address.split("[", maxsplit=1)[0].split(".")
    planned: dict[str, Any] = {
        "address": address,
        "mode": "managed",
        "type": kind,
        "name": name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "schema_version": 0,
        "values": values,
        "sensitive_values": {},
    }
    change: dict[str, Any] = {
        "address": address,
        "mode": "managed",
        "type": kind,
        "name": name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {
            "actions": list(actions),
            "before": None,
            "after": values,
            "after_unknown": after_unknown,
            "before_sensitive": False,
            "after_sensitive": {},
        },
    }
    if index is not None:
        planned["index"] = change["index"] = index
    config = {
        "address": f"{kind}.{name}",
        "mode": "managed",
        "type": kind,
        "name": name,
        "provider_config_key": provider,
        "expressions": expressions,
        "schema_version": 0,
    }
    return planned, change, config


def plan_of(
    *entries: tuple[dict[str, Any], dict[str, Any], dict[str, Any]], region: str = "eu-west-1"
) -> dict[str, Any]:
    configs: dict[str, dict[str, Any]] = {}
    for _, _, config in entries:
        configs[config["address"]] = config
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": [planned for planned, _, _ in entries]}},
        "resource_changes": [change for _, change, _ in entries],
        "configuration": {
            "provider_config": {
                "aws": {
                    "name": "aws",
                    "full_name": "registry.terraform.io/hashicorp/aws",
                    "expressions": {"region": {"constant_value": region}},
                }
            },
            "root_module": {"resources": list(configs.values())},
        },
    }


BUCKET = resource("aws_s3_bucket.b", {"bucket": "b-bucket"}, {"id": True, "arn": True}, {})


def rule_with_blocks(first: str, second: str) -> dict[str, Any]:
    """A group whose two `ingress` blocks name `first` and `second` as source groups."""
    groups = [resource(f"aws_security_group.{name}", {"name": name}, {"id": True}, {}) for name in ("a", "b")]
    blocks = [
        {"from_port": {"constant_value": 443}, "security_groups": {"references": [f"{ref}.id", ref]}}
        for ref in (first, second)
    ]
    web = resource(
        "aws_security_group.web",
        {
            "ingress": [
                {"from_port": 443, "security_groups": [None]},
                {"from_port": 443, "security_groups": [None]},
            ]
        },
        {"id": True, "ingress": [{"security_groups": [True]}, {"security_groups": [True]}]},
        {"ingress": blocks},
    )
    return plan_of(*groups, web)


def test_blocks_that_agree_on_their_link_give_it_to_every_element() -> None:
    web = by_address(parse_plan(rule_with_blocks("aws_security_group.a", "aws_security_group.a"), "p"))[
        "aws_security_group.web"
    ]
    assert [block["security_groups"] for block in web.values["ingress"]] == [
        [Ref("aws_security_group.a", "id", at="aws_security_group.web.ingress[0].security_groups[0]")],
        [Ref("aws_security_group.a", "id", at="aws_security_group.web.ingress[1].security_groups[0]")],
    ]


def test_blocks_that_disagree_give_no_link_a_sets_order_is_not_the_configurations() -> None:
    web = by_address(parse_plan(rule_with_blocks("aws_security_group.a", "aws_security_group.b"), "p"))[
        "aws_security_group.web"
    ]
    assert [block["security_groups"] for block in web.values["ingress"]] == [
        [u("aws_security_group.web.ingress[0].security_groups[0]")],
        [u("aws_security_group.web.ingress[1].security_groups[0]")],
    ]


@pytest.mark.parametrize(
    "references",
    [
        ["aws_s3_bucket.b.id", "aws_s3_bucket.b", "aws_s3_bucket.c.id", "aws_s3_bucket.c"],  # two resources
        ["aws_s3_bucket.b.id", "aws_s3_bucket.b", "aws_s3_bucket.b.arn"],  # two attributes
        ["aws_s3_bucket.b.id", "aws_s3_bucket.b", "local.suffix"],  # a local
        ["aws_s3_bucket.b.id", "aws_s3_bucket.b", "each.key"],  # each.key beside a whole reference
        ["data.aws_s3_bucket.b.id", "data.aws_s3_bucket.b"],  # a data source
        ["aws_s3_bucket.missing.id", "aws_s3_bucket.missing"],  # not in the plan
        ["var.bucket"],  # a root variable is a constant
        ["aws_s3_bucket.b[*].id", "aws_s3_bucket.b"],  # a key that is not a plain traversal
        ['aws_s3_bucket.b["x"].id', 'aws_s3_bucket.b["x"]', "aws_s3_bucket.b"],  # no such instance
    ],
)
def test_expressions_that_are_not_one_link_stay_unknown(references: list[str]) -> None:
    second = resource("aws_s3_bucket.c", {"bucket": "c-bucket"}, {"id": True}, {})
    policy = resource("aws_s3_bucket_policy.p", {}, {"bucket": True}, {"bucket": {"references": references}})
    resources = by_address(parse_plan(plan_of(BUCKET, second, policy), "p"))
    assert resources["aws_s3_bucket_policy.p"].values == {"bucket": u("aws_s3_bucket_policy.p.bucket")}


def test_a_reference_without_key_to_several_instances_is_no_link() -> None:
    buckets = [
        resource("aws_s3_bucket.b[0]", {}, {"id": True}, {}, index=0),
        resource("aws_s3_bucket.b[1]", {}, {"id": True}, {}, index=1),
    ]
    policy = resource(
        "aws_s3_bucket_policy.p", {}, {"bucket": True}, {"bucket": {"references": ["aws_s3_bucket.b"]}}
    )
    resources = by_address(parse_plan(plan_of(*buckets, policy), "p"))
    assert resources["aws_s3_bucket_policy.p"].values == {"bucket": u("aws_s3_bucket_policy.p.bucket")}


def test_an_attribute_after_unknown_marks_but_planned_values_omit_is_added() -> None:
    policy = resource(
        "aws_s3_bucket_policy.p",
        {},
        {"bucket": True, "policy": True},
        {"bucket": {"references": ["aws_s3_bucket.b.id", "aws_s3_bucket.b"]}, "policy": {}},
    )
    resources = by_address(parse_plan(plan_of(BUCKET, policy), "p"))
    assert resources["aws_s3_bucket_policy.p"].values == {
        "bucket": Ref("aws_s3_bucket.b", "id", at="aws_s3_bucket_policy.p.bucket"),
        "policy": u("aws_s3_bucket_policy.p.policy"),
    }


def test_map_keys_that_are_not_names_are_quoted_in_the_attribute() -> None:
    bucket = resource(
        "aws_s3_bucket.t",
        {"tags": {"cost.center": None}},
        {"tags": {"cost.center": True}},
        {"tags": {"references": ["local.tags"]}},
    )
    values = by_address(parse_plan(plan_of(bucket), "p"))["aws_s3_bucket.t"].values
    assert values == {"tags": {"cost.center": u('aws_s3_bucket.t.tags["cost.center"]')}}


# -- computed, not configured: left out, not unknown -----------------------------------------------------


def test_an_unknown_attribute_the_configuration_does_not_set_is_left_out() -> None:
    """A rule with `cidr_blocks` has no `source_security_group_id`: the provider computes it, the
    configuration does not set it, so it is no unknown peer; the rule's ids likewise."""
    rule = resource(
        "aws_security_group_rule.r",
        {"type": "ingress", "from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"]},
        {"id": True, "security_group_rule_id": True, "source_security_group_id": True},
        {
            "type": {"constant_value": "ingress"},
            "from_port": {"constant_value": 22},
            "to_port": {"constant_value": 22},
            "protocol": {"constant_value": "tcp"},
            "cidr_blocks": {"constant_value": ["10.0.0.0/8"]},
        },
    )
    values = by_address(parse_plan(plan_of(rule), "p"))["aws_security_group_rule.r"].values
    assert values == {
        "type": "ingress",
        "from_port": 22,
        "to_port": 22,
        "protocol": "tcp",
        "cidr_blocks": ["10.0.0.0/8"],
    }


def test_a_configured_attribute_with_an_unknown_value_stays_unknown_beside_one_left_out() -> None:
    policy = resource(
        "aws_s3_bucket_policy.p",
        {},
        {"bucket": True, "policy": True, "id": True},
        {
            "bucket": {"references": ["local.bucket_id"]},
            "policy": {
                "references": ["data.aws_iam_policy_document.p.json", "data.aws_iam_policy_document.p"]
            },
        },
    )
    values = by_address(parse_plan(plan_of(policy), "p"))["aws_s3_bucket_policy.p"].values
    assert values == {
        "bucket": u("aws_s3_bucket_policy.p.bucket"),
        "policy": u("aws_s3_bucket_policy.p.policy"),
    }


def test_in_a_nested_block_an_unset_attribute_stays_unknown_and_a_set_sibling_stays_linked() -> None:
    """Below the top level a missing expression may be a `dynamic` block's (Terraform leaves those out
    of the configuration): only a wholly unknown top-level attribute is read as not set."""
    key = resource("aws_kms_key.k", {}, {"arn": True}, {})
    encryption = resource(
        "aws_s3_bucket_server_side_encryption_configuration.e",
        {
            "bucket": "b-bucket",
            "rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}]}],
        },
        {
            "rule": [
                {
                    "apply_server_side_encryption_by_default": [{"kms_master_key_id": True}],
                    "bucket_key_enabled": True,
                }
            ]
        },
        {
            "bucket": {"constant_value": "b-bucket"},
            "rule": [
                {
                    "apply_server_side_encryption_by_default": [
                        {
                            "kms_master_key_id": {"references": ["aws_kms_key.k.arn", "aws_kms_key.k"]},
                            "sse_algorithm": {"constant_value": "aws:kms"},
                        }
                    ]
                }
            ],
        },
    )
    address = "aws_s3_bucket_server_side_encryption_configuration.e"
    values = by_address(parse_plan(plan_of(key, encryption), "p"))[address].values
    assert values == {
        "bucket": "b-bucket",
        "rule": [
            {
                "apply_server_side_encryption_by_default": [
                    {
                        "sse_algorithm": "aws:kms",
                        "kms_master_key_id": Ref(
                            "aws_kms_key.k",
                            "arn",
                            at=f"{address}.rule[0].apply_server_side_encryption_by_default[0].kms_master_key_id",
                        ),
                    }
                ],
                "bucket_key_enabled": u(f"{address}.rule[0].bucket_key_enabled"),
            }
        ],
    }


def test_without_its_configuration_a_resource_keeps_every_unknown() -> None:
    """Nothing says what is not set: the same resource with its configuration loses the unset ones."""
    configured = resource("aws_s3_bucket.c", {"bucket": "c"}, {"id": True, "arn": True}, {})
    bare = resource("aws_s3_bucket.d", {"bucket": "d"}, {"id": True, "arn": True}, {})
    plan = plan_of(configured, bare)
    configs = plan["configuration"]["root_module"]["resources"]
    configs[:] = [config for config in configs if config["address"] != "aws_s3_bucket.d"]
    resources = by_address(parse_plan(plan, "p"))
    assert resources["aws_s3_bucket.c"].values == {"bucket": "c"}
    assert resources["aws_s3_bucket.d"].values == {
        "bucket": "d",
        "id": u("aws_s3_bucket.d.id"),
        "arn": u("aws_s3_bucket.d.arn"),
    }


def test_a_partly_unknown_unset_attribute_keeps_its_unknown_elements() -> None:
    """A partly known attribute without an expression may be a `dynamic` block's: not read as not set."""
    instance = resource(
        "aws_instance.i",
        {"ami": "ami-0123456789abcdef0", "ipv6_addresses": [None, "2001:db8::1"]},
        {"ipv6_addresses": [True, False]},
        {"ami": {"constant_value": "ami-0123456789abcdef0"}},
    )
    values = by_address(parse_plan(plan_of(instance), "p"))["aws_instance.i"].values
    assert values == {
        "ami": "ami-0123456789abcdef0",
        "ipv6_addresses": [u("aws_instance.i.ipv6_addresses[0]"), "2001:db8::1"],
    }


def module_plan(module_address: str, call_expression: dict[str, Any]) -> dict[str, Any]:
    """A root bucket, and a policy in `module_address` whose bucket is `var.bucket`, given by
    `call_expression` on the innermost call (outer calls pass `var.bucket` down)."""
    calls = [step for step in module_address.split(".") if step != "module"]
    names = [call.split("[")[0] for call in calls]
    inner: dict[str, Any] = {
        "resources": [
            {
                "address": "aws_s3_bucket_policy.p",
                "mode": "managed",
                "type": "aws_s3_bucket_policy",
                "name": "p",
                "provider_config_key": "aws",
                "expressions": {"bucket": {"references": ["var.bucket"]}},
            }
        ]
    }
    for depth in range(len(names) - 1, -1, -1):
        expression = call_expression if depth == 0 else {"references": ["var.bucket"]}
        inner = {
            "module_calls": {
                names[depth]: {
                    "source": f"./{names[depth]}",
                    "expressions": {"bucket": expression},
                    "module": inner,
                }
            }
        }
    plan = plan_of(BUCKET)
    plan["configuration"]["root_module"]["module_calls"] = inner["module_calls"]
    address = f"{module_address}.aws_s3_bucket_policy.p"
    tree: dict[str, Any] = {
        "address": module_address,
        "resources": [
            {
                "address": address,
                "mode": "managed",
                "type": "aws_s3_bucket_policy",
                "name": "p",
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "values": {},
                "sensitive_values": {},
            }
        ],
    }
    for depth in range(len(calls) - 1, 0, -1):
        tree = {"address": ".".join(f"module.{c}" for c in calls[:depth]), "child_modules": [tree]}
    plan["planned_values"]["root_module"]["child_modules"] = [tree]
    plan["resource_changes"].append(
        {
            "address": address,
            "module_address": module_address,
            "mode": "managed",
            "type": "aws_s3_bucket_policy",
            "name": "p",
            "change": {"actions": ["create"], "before": None, "after": {}, "after_unknown": {"bucket": True}},
        }
    )
    return plan


@pytest.mark.parametrize("module_address", ["module.a", "module.a.module.b", 'module.a["x"].module.b[0]'])
def test_a_module_variable_links_through_the_module_calls(module_address: str) -> None:
    plan = module_plan(module_address, {"references": ["aws_s3_bucket.b.id", "aws_s3_bucket.b"]})
    document = parse_plan(plan, "p")
    policy = by_address(document)[f"{module_address}.aws_s3_bucket_policy.p"]
    assert policy.values == {
        "bucket": Ref("aws_s3_bucket.b", "id", at=f"{module_address}.aws_s3_bucket_policy.p.bucket")
    }
    assert policy.region == "eu-west-1"


def test_a_module_variable_given_a_data_source_is_no_link() -> None:
    plan = module_plan("module.a", {"references": ["data.aws_s3_bucket.b.id", "data.aws_s3_bucket.b"]})
    policy = by_address(parse_plan(plan, "p"))["module.a.aws_s3_bucket_policy.p"]
    assert policy.values == {"bucket": u("module.a.aws_s3_bucket_policy.p.bucket")}


def test_a_resources_own_known_region_wins_and_a_configured_unknown_one_is_none() -> None:
    own = resource(
        "aws_s3_bucket.own", {"region": "ap-south-1"}, {}, {"region": {"constant_value": "ap-south-1"}}
    )
    unknown = resource(
        "aws_s3_bucket.later", {}, {"region": True}, {"region": {"references": ["local.region"]}}
    )
    computed = resource("aws_s3_bucket.computed", {}, {"region": True}, {})
    other = resource("aws_s3_bucket.other", {}, {}, {}, provider="aws.nowhere")
    document = parse_plan(plan_of(own, unknown, computed, other, region="eu-north-1"), "p")
    assert [(r.address, r.region) for r in document.resources] == [
        ("aws_s3_bucket.own", "ap-south-1"),
        ("aws_s3_bucket.later", None),
        ("aws_s3_bucket.computed", "eu-north-1"),
        ("aws_s3_bucket.other", None),
    ]


def test_notes_for_what_is_skipped() -> None:
    plan = plan_of(
        BUCKET,
        resource("aws_s3_bucket.swap", {"bucket": "swap"}, {}, {}, actions=("create", "forget")),
        resource("aws_s3_bucket.odd", {"bucket": "odd"}, {}, {}, actions=("read",)),
    )
    plan["planned_values"]["root_module"]["resources"].append(
        {
            "address": "aws_s3_bucket.orphan",
            "mode": "managed",
            "type": "aws_s3_bucket",
            "name": "orphan",
            "values": {},
        }
    )
    plan["errored"] = True
    plan["deferred_changes"] = [{"reason": "provider_config_unknown", "resource_change": {}}]
    document = parse_plan(plan, "p")
    assert summary(document) == [
        ("aws_s3_bucket.b", "aws_s3_bucket", Action.CREATE, "eu-west-1"),
        ("aws_s3_bucket.swap", "aws_s3_bucket", Action.CREATE, "eu-west-1"),
    ]
    assert document.notes == (
        "aws_s3_bucket.swap: the object it replaces is forgotten (left deployed): not judged",
        "aws_s3_bucket.odd: a managed resource planned to be read: skipped",
        "aws_s3_bucket.orphan: in planned_values without a resource change: skipped",
        "the plan errored: it may lack resources Terraform could not plan",
        "1 resource change(s) deferred to a later plan: not judged",
    )


def test_a_plan_without_resources() -> None:
    plan = {
        "format_version": "1.0",
        "terraform_version": "1.1.0",
        "planned_values": {"root_module": {}},
        "configuration": {"root_module": {}},
    }
    assert parse_plan(plan, "empty.json") == IacDocument("empty.json", Tool.TERRAFORM, ())


def test_five_thousand_resources_parse_whole() -> None:
    entries = []
    for number in range(2500):
        entries.append(
            resource(
                f"aws_s3_bucket.b{number}", {"bucket": f"bucket-{number}"}, {"id": True, "arn": True}, {}
            )
        )
        entries.append(
            resource(
                f"aws_s3_bucket_policy.p{number}",
                {"policy": "{}"},
                {"bucket": True, "id": True},
                {"bucket": {"references": [f"aws_s3_bucket.b{number}.id", f"aws_s3_bucket.b{number}"]}},
            )
        )
    plan = plan_of(*entries)
    document = parse_plan(plan, "big.json")
    assert len(document.resources) == 5000
    assert document.resources[-1].values["bucket"] == Ref(
        "aws_s3_bucket.b2499", "id", at="aws_s3_bucket_policy.p2499.bucket"
    )


# -- malformed plans -----------------------------------------------------------------------------------


def broken(change: Any) -> dict[str, Any]:
    plan = load("security_groups.json")
    change(plan)
    return plan


def set_in(path: list[str | int], value: Any) -> Any:
    def change(plan: dict[str, Any]) -> None:
        node: Any = plan
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value

    return change


def delete_in(path: list[str | int]) -> Any:
    def change(plan: dict[str, Any]) -> None:
        node: Any = plan
        for step in path[:-1]:
            node = node[step]
        del node[path[-1]]

    return change


RC: list[str | int] = ["resource_changes", 1, "change"]
CONFIGURED: list[str | int] = ["configuration", "root_module", "resources", 0]
PV: list[str | int] = ["planned_values", "root_module", "resources"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            set_in(["format_version"], "2.0"),
            "format_version: '2.0' is not a plan format 1.x this reader knows",
        ),
        (set_in(["format_version"], 1.2), "format_version: expected a string, found a number"),
        (delete_in(["format_version"]), "format_version: expected a string, found null"),
        (delete_in(["planned_values"]), "planned_values: expected an object, found null"),
        (
            set_in(["planned_values", "root_module"], []),
            "planned_values.root_module: expected an object, found an array",
        ),
        (
            set_in([*PV, 0], "aws_security_group.lb"),
            "planned_values.root_module.resources[0]: expected an object, found a string",
        ),
        (
            delete_in([*PV, 1, "address"]),
            "planned_values.root_module.resources[1].address: expected a string, found null",
        ),
        (
            set_in([*PV, 1, "values"], "web"),
            "planned_values.root_module.resources[1].values: expected an object, found a string",
        ),
        (
            set_in([*PV, 1, "index"], True),
            "planned_values.root_module.resources[1].index: expected a number or a string, found a boolean",
        ),
        (
            set_in(["planned_values", "root_module", "child_modules"], [{"address": "modul.x"}]),
            "planned_values.root_module.child_modules[0].address: not a module address: 'modul.x'",
        ),
        (set_in(["resource_changes"], {}), "resource_changes: expected an array, found an object"),
        (
            delete_in(["resource_changes", 1, "address"]),
            "resource_changes[1].address: expected a string, found null",
        ),
        (delete_in([*RC]), "resource_changes[1].change: expected an object, found null"),
        (
            set_in([*RC, "actions"], "create"),
            "resource_changes[1].change.actions: expected an array, found a string",
        ),
        (
            set_in([*RC, "actions"], ["destroy"]),
            "resource_changes[1].change.actions: ['destroy'] is not an action of the plan format",
        ),
        (
            set_in([*RC, "after_unknown"], [True]),
            "resource_changes[1].change.after_unknown: expected an object, found an array",
        ),
        (
            delete_in([*RC, "after_unknown"]),
            "resource_changes[1].change.after_unknown: expected an object, found null",
        ),
        (
            set_in([*RC, "after_unknown", "id"], "yes"),
            "resource_changes[1].change.after_unknown.id: "
            "expected an object, an array or a boolean, found a string",
        ),
        (
            set_in([*RC, "after_unknown", "ingress"], {"from_port": True}),
            "resource_changes[1].change.after_unknown.ingress: an object, but the planned value is an array",
        ),
        (
            set_in([*RC, "after_unknown", "ingress"], [{}, {}]),
            "resource_changes[1].change.after_unknown.ingress: 2 elements, but the planned value is an array",
        ),
        (set_in(["resource_changes", 2, "change", "before"], None), None),
        (
            set_in(["resource_changes", 1, "address"], "aws_security_group.lb"),
            "resource_changes[1].address: a second change of aws_security_group.lb",
        ),
        (
            delete_in(["configuration"]),
            "configuration: missing: `terraform show -json PLAN` always writes the configuration the "
            "plan was made from, and without it the links between resources cannot be followed",
        ),
        (set_in(["configuration"], []), "configuration: expected an object, found an array"),
        (
            set_in([*CONFIGURED, "expressions"], {"x": {"references": [5]}}),
            "configuration.root_module.resources[0].expressions.x.references[0]: expected a string, "
            "found a number",
        ),
        (
            set_in([*CONFIGURED, "expressions"], {"x": [{"references": "y"}]}),
            "configuration.root_module.resources[0].expressions.x[0].references: expected an array of "
            "strings, found a string",
        ),
        (
            lambda plan: plan["planned_values"]["root_module"]["resources"].append(
                plan["planned_values"]["root_module"]["resources"][0]
            ),
            "planned_values: a second resource of address aws_security_group.lb",
        ),
        (
            set_in(["configuration", "root_module", "resources"], {}),
            "configuration.root_module.resources: expected an array, found an object",
        ),
        (
            set_in(["configuration", "root_module", "module_calls"], {"web": []}),
            "configuration.root_module.module_calls.web: expected an object, found an array",
        ),
        (set_in(["variables"], []), "variables: expected an object, found an array"),
    ],
)
def test_malformed_plans_are_errors_naming_the_json_path(change: Any, problem: str | None) -> None:
    plan = broken(change)
    if problem is None:  # a create's before is null: nothing wrong
        parse_plan(plan, "sg.json")
        return
    with pytest.raises(IacError) as raised:
        parse_plan(plan, "sg.json")
    assert raised.value.path == "sg.json"
    assert raised.value.problem == problem


def test_a_deletion_without_before_is_an_error() -> None:
    plan = load("actions.json")
    for entry in plan["resource_changes"]:
        if entry["address"] == "aws_s3_bucket_acl.old":
            entry["change"]["before"] = None
    with pytest.raises(
        IacError, match=r"resource_changes\[3\]\.change\.before: expected an object, found null"
    ):
        parse_plan(plan, "actions.json")


def test_a_plan_that_is_not_an_object() -> None:
    with pytest.raises(IacError) as raised:
        parse_plan([], "list.json")  # type: ignore[arg-type]
    assert raised.value.problem == "(plan): expected an object, found an array"


def test_values_nested_beyond_the_stack_are_an_error_not_a_traceback() -> None:
    plan = load("security_groups.json")
    deep: Any = True
    for _ in range(5000):
        deep = {"x": deep}
    plan["resource_changes"][1]["change"]["after_unknown"] = {"tags": deep}
    with pytest.raises(IacError, match="nested too deeply"):
        parse_plan(plan, "deep.json")


def test_the_callers_plan_is_not_changed() -> None:
    plan = load("module_web.json")
    before = copy.deepcopy(plan)
    parse_plan(plan, "module_web.json")
    assert plan == before


def test_each_key_in_a_module_call_is_the_modules_key_not_the_resources_so_no_link() -> None:
    """`bucket = aws_s3_bucket.b[count.index].id` on `module.a[1]`: the policy `p[0]` inside must not
    link to `b[0]` by its own key."""
    plan = module_plan("module.a[1]", {"references": ["aws_s3_bucket.b", "count.index"]})
    buckets = [resource(f"aws_s3_bucket.b[{n}]", {}, {"id": True}, {}, index=n) for n in (0, 1)]
    plan["planned_values"]["root_module"]["resources"] = [planned for planned, _, _ in buckets]
    plan["resource_changes"][0:1] = [change for _, change, _ in buckets]
    module = plan["planned_values"]["root_module"]["child_modules"][0]
    module["resources"][0].update(address="module.a[1].aws_s3_bucket_policy.p[0]", index=0)
    plan["resource_changes"][-1].update(address="module.a[1].aws_s3_bucket_policy.p[0]", index=0)
    policy = by_address(parse_plan(plan, "p"))["module.a[1].aws_s3_bucket_policy.p[0]"]
    assert policy.values == {"bucket": u("module.a[1].aws_s3_bucket_policy.p[0].bucket")}


def test_each_value_in_a_module_call_is_the_modules_not_the_resources_so_no_link() -> None:
    """`module "a" { for_each = aws_s3_bucket.b, bucket = each.value.id }`: inside, the policy `p["x"]`
    (itself `for_each = aws_s3_bucket.b` of the module, which has none) must not link through it."""
    plan = module_plan('module.a["x"]', EACH_VALUE_ID)
    plan["configuration"]["root_module"]["module_calls"]["a"]["for_each_expression"] = {
        "references": ["aws_s3_bucket.b"]
    }
    buckets = [resource(f'aws_s3_bucket.b["{k}"]', {}, {"id": True}, {}, index=k) for k in ("x", "y")]
    plan["planned_values"]["root_module"]["resources"] = [planned for planned, _, _ in buckets]
    plan["resource_changes"][0:1] = [change for _, change, _ in buckets]
    policy = by_address(parse_plan(plan, "p"))['module.a["x"].aws_s3_bucket_policy.p']
    assert policy.values == {"bucket": u('module.a["x"].aws_s3_bucket_policy.p.bucket')}
