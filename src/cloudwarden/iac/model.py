"""What `iac` reads from a Terraform plan or a CloudFormation template, before any rule sees it.

A document (one plan, one template) is a list of resources, each with the values it will have once
deployed. A value is JSON-like (dicts, lists, strings, numbers, booleans, None) whose leaves may also be:
- `Unknown`: left to deployment (Terraform's "known after apply", a CloudFormation parameter without
  default, a condition that depends on one, an import from another stack). It names the attribute.
- `Ref`: a link to another resource of the same document whose value is not a literal
  (`aws_s3_bucket.logs.id`, `!Ref LogsBucket`, `!GetAtt WebGroup.GroupId`). Translators follow it to
  attach a policy to its bucket or a rule to its group; where they need the value itself, a `Ref` is
  as unknown as an `Unknown` (`Ref.unknown()`).

Parsers (`iac.terraform`, `iac.cloudformation`) make documents; translators (`iac.translate`) turn
them into snapshot records. Nothing here reads a file or calls AWS.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cloudwarden.findings import Location
from cloudwarden.inputs import InputError
from cloudwarden.snapshot import KNOWN_AFTER_APPLY

AFTER_APPLY = "known only after apply"


class IacError(InputError):
    """A file that is not a plan or template `iac` can read, or a malformed one: exit 2."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class Tool(enum.StrEnum):
    TERRAFORM = "terraform"
    CLOUDFORMATION = "cloudformation"


class Action(enum.StrEnum):
    """What deploying the document does to a resource (a template creates all of its resources)."""

    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    """Deleted and created again (Terraform's delete-then-create or create-then-delete)."""
    DELETE = "delete"
    NO_OP = "no-op"
    """In the plan, unchanged: it is judged as it is (it is part of the configuration)."""


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value left to deployment."""

    attribute: str
    """The attribute that holds it, with its resource: `aws_s3_bucket_policy.site.policy`,
    `SitePolicy.PolicyDocument`, `module.web.aws_security_group.lb.ingress[0].cidr_blocks`."""
    why: str = AFTER_APPLY
    """`known only after apply`, `known only after apply (parameter Env has no default)`..."""
    code: str = KNOWN_AFTER_APPLY
    """What kind of unknown, as the rules' cause: `KNOWN_AFTER_APPLY` (left to deployment),
    `NOT_IN_DOCUMENT` (not in the document, and the live account not in view: `not-checked`) or
    `MALFORMED_VALUE` (the document gives something that is no such value: `rule-error`)."""

    def describe(self) -> str:
        return f"{self.attribute} is {self.why}"


@dataclass(frozen=True, slots=True)
class Ref:
    """A link to another resource of the document, standing where its value will be."""

    address: str
    """The resource linked to: its Terraform address (`module.web.aws_s3_bucket.logs`, `...[0]`) or
    CloudFormation logical id."""
    attribute: str | None
    """What of it: `id`, `arn`, `bucket` (Terraform), `GroupId`, `Arn` (`!GetAtt`); None for `!Ref`."""
    at: str
    """The attribute the link stands in, as `Unknown.attribute` names it."""
    why: str = AFTER_APPLY

    def unknown(self) -> Unknown:
        """The link as a value: unknown until deployment."""
        return Unknown(self.at, self.why)


@dataclass(frozen=True, slots=True)
class IacResource:
    address: str
    """Terraform address with modules and index (`module.web.aws_s3_bucket.logs[0]`), or the
    CloudFormation logical id: the `resource.id` of its findings."""
    type: str
    """`aws_s3_bucket`, `AWS::S3::Bucket`..."""
    values: Mapping[str, Any]
    """Terraform: the planned values (`after`), unknown ones as `Unknown` or `Ref`. CloudFormation:
    the `Properties`, intrinsic functions resolved where they can be (else `Unknown` or `Ref`)."""
    location: Location
    region: str | None = None
    """The region it is deployed to, when the document says (a Terraform provider's `region`)."""
    action: Action = Action.CREATE
    before: Mapping[str, Any] | None = None
    """Terraform, for an update, replacement or deletion: the values before (their `id` or `bucket`
    name the live resource a `--snapshot` holds)."""
    condition: Unknown | None = None
    """CloudFormation: the resource's `Condition` when it cannot be resolved (it depends on a parameter
    without default, a region, an import...): the resource may not be created. The `Unknown` names the
    condition (`attribute` `Conditions.IsProd`, `why` saying why it is unresolved). A judged resource
    under one is judged as if created (its annotation says "if condition X holds"); a dependent one
    makes the setting it would set unknown. None: the resource is created (no condition, or one that
    resolved to true; a condition resolved to false drops the resource)."""


@dataclass(frozen=True)
class IacDocument:
    path: str
    """The file, as given on the command line (or found under a directory given)."""
    tool: Tool
    resources: tuple[IacResource, ...]
    notes: tuple[str, ...] = field(default=())
    """What was skipped and why (an unsupported construct), reported as scan warnings."""
