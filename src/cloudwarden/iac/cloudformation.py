"""CloudFormation templates (YAML or JSON) into documents, their intrinsic functions resolved.

Reading. A template is read as CloudFormation reads it (YAML 1.1, or JSON):
- JSON (the text starts with `{`) is parsed by `json`; a separate scan of its tokens gives the line of
  every key and refuses duplicated keys (`json` would keep the last one silently).
- YAML is composed by PyYAML (libyaml's parser when present) into nodes, and the values are built from
  the nodes here, so that every key has its line. The short-form tags (`!Ref`, `!GetAtt A.B`, `!Sub`,
  `!If`...) become the long form (`{"Ref": ...}`, `{"Fn::GetAtt": [A, B]}`, `{"Fn::Sub": ...}`); any other
  tag is refused. Timestamps stay the text written (`Version: 2012-10-17` is the string a policy
  needs), other scalars are typed as YAML 1.1 types them.
- Refused, naming the line: YAML aliases (CloudFormation does not accept anchors and aliases, and an
  alias of an alias doubles the document at each level), duplicated keys, nesting deeper than the
  parser allows, and templates whose structure CloudFormation rejects (the top level, `Resources`, a
  resource or its `Properties` not a mapping, a resource without `Type`, a logical id that is not
  alphanumeric (the template reference: "alphanumeric (A-Za-z0-9)"; an empty one included), a
  `Ref`/`Fn::GetAtt`/`${}` to a logical id the template does not declare).

Resolving. A template is judged as deployed with its parameters' defaults, by the account that
deploys it. Intrinsic functions are evaluated where the template decides their value:
- a parameter is its `Default` (a `List<...>` or `CommaDelimitedList` is the list of its
  comma-separated members, each space-trimmed, as CloudFormation splits it; a `String` is the text
  written). Without a default, or for an `AWS::SSM::Parameter::Value<...>` type (whose default names a
  Parameter Store entry, read at deployment), it is `Unknown`.
- `AWS::Partition` is `aws`, `AWS::URLSuffix` `amazonaws.com`, `AWS::Region` the region given (else
  unknown), `AWS::AccountId` the account given, else `DEPLOYING_ACCOUNT`; `AWS::NoValue` removes the
  property or list item; `AWS::StackName`, `AWS::StackId` and `AWS::NotificationARNs` are unknown.
- `Ref` to a resource is what CloudFormation returns for it when the template fixes it (the name of a
  bucket or IAM user, role or group with a literal name), else a `model.Ref` link; `Fn::GetAtt` is the
  ARN of a bucket with a literal name, else a link.
- `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, `Fn::Base64` are evaluated on known
  values; `Fn::If` with the template's `Conditions` (`Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`,
  `Condition`); what depends on an unknown value is `Unknown` naming the property
  (`SitePolicy.PolicyDocument.Statement[0].Resource`) and why. `Fn::GetAZs`, `Fn::ImportValue`,
  `Fn::Cidr`, `Fn::Transform` and functions of transforms (`Fn::Length`...) are unknown.
- A resource whose `Condition` is false is not created (left out); one whose condition is decided at
  deployment is kept with `IacResource.condition` naming it (`Conditions.IsProd`): the translators judge
  such a resource as if created and say so, and make what such a resource would set on another one
  unknown (it may not be created).
- A resource whose `Properties` as a whole are unknown (`Properties: {Fn::Transform: ...}`, an
  `AWS::Include` snippet) is left out with a note: judged with AWS's defaults for every property, it
  could pass.
- A top-level `Transform` (SAM, `AWS::Include`) is not expanded: a note says so, its resources are kept
  as written, and links to what only the transform would declare are unknown rather than refused.
"""

from __future__ import annotations

import base64
import bisect
import dataclasses
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import yaml

from cloudwarden.collector import collector_paused
from cloudwarden.findings import Location
from cloudwarden.iac.model import IacDocument, IacError, IacResource, Ref, Tool, Unknown
from cloudwarden.inputs import quoted

DEPLOYING_ACCOUNT: Final = "000000000000"
"""`AWS::AccountId` when no account is given: the account that deploys the stack. Any fixed account id is
a fixed principal that is not the public, so whether a policy naming it is public does not depend on
which account it is; a policy that names it is judged as naming the owner's account."""

PARTITION: Final = "aws"
URL_SUFFIX: Final = "amazonaws.com"

AT_DEPLOYMENT: Final = "known only at deployment"
"""Why a link to a resource the stack creates (`!Ref Group`, `!GetAtt Group.GroupId`) has no value yet."""

_BASE_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = (
    yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
)


class _Loader(_BASE_LOADER):  # type: ignore[valid-type,misc]
    """Composes nodes only: the values are built from the nodes by `_YamlBuilder`, which knows the
    short-form tags and each key's line."""


_YAML: Final = "tag:yaml.org,2002:"
_SCALAR_TAGS: Final = frozenset(_YAML + name for name in ("str", "int", "float", "bool", "null", "timestamp"))

_SHORT_FORMS: Final = frozenset(
    {
        "Ref",
        "GetAtt",
        "Sub",
        "If",
        "Join",
        "Select",
        "Split",
        "Equals",
        "And",
        "Or",
        "Not",
        "Condition",
        "FindInMap",
        "Base64",
        "Cidr",
        "GetAZs",
        "ImportValue",
        "Transform",
    }
)
"""The short-form tags of the template reference: `!Ref` and `!Condition` keep their name as the key,
the others become `Fn::<name>`."""

_REF_RETURNS_NAME: Final = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::Group": "GroupName",
}
"""Types whose `Ref` returns their name, and the property that fixes it."""

_LIST_PARAMETER: Final = re.compile(r"List<.*>|CommaDelimitedList")
_SSM_PARAMETER: Final = "AWS::SSM::Parameter::Value<"
_SUB_VARIABLE: Final = re.compile(r"\$\{([^}]*)\}")
_REASON: Final = re.compile(r"\((.*)\)$")
_LOGICAL_ID: Final = re.compile(r"[A-Za-z0-9]+")
"""The template reference: the logical id "must be alphanumeric (A-Za-z0-9) and unique within the
template"."""
_JSON_TOKEN: Final = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:]')


class _NoValue:
    """`AWS::NoValue`: the property or list item is removed."""


_NO_VALUE: Final = _NoValue()


def looks_like_template(data: object) -> bool:
    """Whether `data` (a file's parsed content) is meant as a template: a mapping with
    `AWSTemplateFormatVersion`, or with `Resources` holding at least one entry with a `Type` string.
    A template malformed elsewhere is still recognised, so that its error names the problem."""
    if not isinstance(data, Mapping):
        return False
    if "AWSTemplateFormatVersion" in data:
        return True
    resources = data.get("Resources")
    return isinstance(resources, Mapping) and any(
        isinstance(resource, Mapping) and isinstance(resource.get("Type"), str)
        for resource in resources.values()
    )


def load_template(text: str, path: str) -> Any:
    """The content of a template file in long form (YAML short forms expanded), or IacError."""
    return _load(text, path)[0]


def parse_template(
    text: str, path: str, *, account_id: str | None = None, region: str | None = None
) -> IacDocument:
    """The template `text` (read from `path`) as a document of its resources, values resolved."""
    data, lines = _load(text, path)
    try:
        return _Template(path, data, lines, account_id=account_id, region=region).document()
    except RecursionError:
        raise IacError(path, "nested too deeply to be read") from None


# Reading --------------------------------------------------------------------------------------------


def _load(text: str, path: str) -> tuple[Any, dict[str, int]]:
    """The template's data and the line of each logical id under `Resources`."""
    text = text.removeprefix("\ufeff")
    try:
        with collector_paused():  # millions of small objects for a large template
            if text.lstrip().startswith("{"):
                return _load_json(text, path)
            return _load_yaml(text, path)
    except RecursionError:
        raise IacError(path, "nested too deeply to be read") from None


def _load_json(text: str, path: str) -> tuple[Any, dict[str, int]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise IacError(path, f"line {error.lineno}: not valid JSON: {error.msg}") from None
    except ValueError as error:  # an integer of more digits than Python converts
        raise IacError(path, f"not valid JSON: {error}") from None
    return data, _json_resource_lines(text, path)


@dataclass
class _JsonFrame:
    is_object: bool
    keys: dict[str, int] = field(default_factory=dict)
    is_resources: bool = False


def _json_resource_lines(text: str, path: str) -> dict[str, int]:
    """The line of each key of the top-level `Resources` object, from the tokens of valid JSON (strings
    and brackets; numbers and literals are skipped). A key is a string followed by `:`."""
    newlines = [match.start() for match in re.finditer("\n", text)]
    stack: list[_JsonFrame] = []
    lines: dict[str, int] = {}
    last_string: re.Match[str] | None = None
    pending_key: str | None = None
    for token in _JSON_TOKEN.finditer(text):
        kind = token.group()[0]
        if kind == '"':
            last_string = token
        elif kind == ":" and last_string is not None:
            key = json.loads(last_string.group())
            line = bisect.bisect_right(newlines, last_string.start()) + 1
            frame = stack[-1]
            if key in frame.keys:
                raise IacError(
                    path, f"line {line}: duplicate key {quoted(key)} (first at line {frame.keys[key]})"
                )
            frame.keys[key] = line
            if frame.is_resources:
                lines[key] = line
            pending_key = key
        elif kind in "{[":
            under = pending_key if stack and stack[-1].is_object else None
            stack.append(_JsonFrame(kind == "{", is_resources=len(stack) == 1 and under == "Resources"))
            pending_key = None
        elif kind in "}]":
            stack.pop()
    return lines


def _load_yaml(text: str, path: str) -> tuple[Any, dict[str, int]]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        if "nesting depth" in str(error.problem):
            raise IacError(path, f"{where}nested too deeply to be read") from None
        raise IacError(path, f"{where}not valid YAML: {error.problem or error}") from None
    except yaml.YAMLError as error:
        raise IacError(path, f"not valid YAML: {error}") from None
    finally:
        loader.dispose()
    if node is None:
        return None, {}
    return _YamlBuilder(path).build(node), _yaml_resource_lines(node)


def _yaml_resource_lines(root: yaml.Node) -> dict[str, int]:
    if not isinstance(root, yaml.MappingNode):
        return {}
    for key, value in root.value:
        if key.value == "Resources" and isinstance(value, yaml.MappingNode):
            return {name.value: name.start_mark.line + 1 for name, _ in value.value}
    return {}


class _YamlBuilder:
    """Values from composed YAML nodes. Each node is built once: one met again is an alias (the
    composer hands the anchored node itself), which is refused before it can be expanded."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.seen: set[int] = set()

    def error(self, node: yaml.Node, problem: str) -> IacError:
        return IacError(self.path, f"line {node.start_mark.line + 1}: {problem}")

    def build(self, node: yaml.Node, used: int | None = None) -> Any:
        """The value of `node`; `used` is the line of the key it is (or its sequence is) the value of."""
        if id(node) in self.seen:
            anchored = node.start_mark.line + 1
            raise IacError(
                self.path,
                f"line {used or anchored}: a YAML alias (of the node at line {anchored}): "
                "CloudFormation does not accept anchors and aliases",
            )
        self.seen.add(id(node))
        tag: str = node.tag
        if tag.startswith("!"):
            return self.short_form(node, tag[1:], used)
        if isinstance(node, yaml.MappingNode) and tag == _YAML + "map":
            return self.mapping(node)
        if isinstance(node, yaml.SequenceNode) and tag == _YAML + "seq":
            return [self.build(item, used) for item in node.value]
        if isinstance(node, yaml.ScalarNode) and tag in _SCALAR_TAGS:
            return self.scalar(node)
        raise self.error(node, f"the YAML tag {tag} is not accepted by CloudFormation")

    def scalar(self, node: yaml.ScalarNode) -> Any:
        kind = node.tag.removeprefix(_YAML)
        if kind in ("str", "timestamp"):
            return node.value
        if kind == "null":
            return None
        constructor = yaml.SafeLoader.yaml_constructors[node.tag]
        try:
            return constructor(_SCALAR_CONSTRUCTOR, node)
        except ValueError:
            raise self.error(node, f"{quoted(node.value)} is not a valid {kind}") from None

    def mapping(self, node: yaml.MappingNode) -> dict[str, Any]:
        values: dict[str, Any] = {}
        lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _SCALAR_TAGS:
                raise self.error(key_node, "a mapping key must be a plain scalar")
            key: str = key_node.value
            line = key_node.start_mark.line + 1
            if key in lines:
                raise self.error(key_node, f"duplicate key {quoted(key)} (first at line {lines[key]})")
            lines[key] = line
            values[key] = self.build(value_node, line)
        return values

    def short_form(self, node: yaml.Node, name: str, used: int | None) -> dict[str, Any]:
        """`!Name value` as `{"Fn::Name": value}` (`Ref`, `Condition`: `{"Ref": value}`)."""
        if name not in _SHORT_FORMS:
            raise self.error(node, f"unknown tag !{name} (not an intrinsic function of CloudFormation)")
        if isinstance(node, yaml.ScalarNode):
            content: Any = node.value
        elif isinstance(node, yaml.SequenceNode):
            content = [self.build(item, used) for item in node.value]
        elif isinstance(node, yaml.MappingNode):
            content = self.mapping(node)
        else:  # pragma: no cover - a YAML node is a scalar, a sequence or a mapping
            raise self.error(node, f"!{name} of an unknown kind of YAML node")
        if name == "GetAtt" and isinstance(content, str):
            resource, dot, attribute = content.partition(".")
            if not dot:
                raise self.error(node, f"!GetAtt {quoted(content)} is not of the form Resource.Attribute")
            content = [resource, attribute]
        if name in ("Ref", "Condition"):
            return {name: content}
        return {f"Fn::{name}": content}


_SCALAR_CONSTRUCTOR: Final = yaml.constructor.SafeConstructor()
"""PyYAML's own constructors of ints, floats and booleans (YAML 1.1: `0x1F`, `1_000`, `yes`), which
read nothing but the node given."""


# Resolving ------------------------------------------------------------------------------------------


def _text(value: object) -> str | None:
    """A scalar as CloudFormation passes it, a string (booleans as `true`/`false`); None otherwise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def _unknown_in(value: object) -> Unknown | None:
    """The first value left to deployment in `value`, a link counting as one."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Ref):
        return value.unknown()
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found = _unknown_in(item)
            if found is not None:
                return found
    return None


def _reason(unknown: Unknown) -> str:
    """What an unknown value is waiting for: the words in its last parentheses, or its whole `why`."""
    found = _REASON.search(unknown.why)
    return found.group(1) if found else unknown.why


def _relocated(value: Any, at: str) -> Any:
    """`value` standing in the attribute `at` (an unknown list item selected, an unknown variable)."""
    if isinstance(value, Unknown):
        return Unknown(at, value.why)
    if isinstance(value, Ref):
        return dataclasses.replace(value, at=at)
    return value


def _canonical(value: object) -> object:
    """A known value as `Fn::Equals` compares it (CloudFormation passes scalars as strings)."""
    if isinstance(value, list):
        return tuple(_canonical(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, repr(_canonical(item))) for key, item in value.items()))
    return _text(value)


@dataclass
class _Template:
    path: str
    data: Any
    lines: dict[str, int]
    account_id: str | None = None
    region: str | None = None
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    mappings: dict[str, Any] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    transforms: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)
    line: int | None = None
    """The line of the resource being resolved, for errors."""
    excluded: dict[str, str] = field(default_factory=dict)
    """Resources not created, with the false condition that leaves them out."""
    truths: dict[str, bool | Unknown] = field(default_factory=dict)
    evaluating: set[str] = field(default_factory=set)
    names: dict[str, Any] = field(default_factory=dict)
    naming: set[str] = field(default_factory=set)

    def error(self, problem: str, line: int | None = None) -> IacError:
        line = line if line is not None else self.line
        return IacError(self.path, f"line {line}: {problem}" if line is not None else problem)

    def document(self) -> IacDocument:
        self.read_sections()
        kept: list[tuple[str, str, dict[str, Any], Unknown | None]] = []
        for logical_id, resource in self.resources.items():
            self.line = self.lines.get(logical_id)
            created = self.created(logical_id, resource)
            if created is not False:
                condition = created if isinstance(created, Unknown) else None
                kept.append((logical_id, resource["Type"], resource.get("Properties", {}), condition))
        resolved = []
        for logical_id, kind, properties, condition in kept:
            self.line = self.lines.get(logical_id)
            values = self.resolve(properties, logical_id)
            if not isinstance(values, dict):
                # `Properties: {Fn::Transform: ...}` (AWS::Include) or `{Fn::If: ...}`: no property is
                # known, and judging the resource with AWS's defaults for all of them could pass it.
                why = values.why if isinstance(values, Unknown | Ref) else "not a mapping"
                self.notes.append(f"{self.path}: {logical_id} is not judged: its Properties are {why}")
                continue
            resolved.append(
                IacResource(
                    address=logical_id,
                    type=kind,
                    values=values,
                    location=Location(file=self.path, line=self.line),
                    region=self.region,
                    condition=condition,
                )
            )
        return IacDocument(self.path, Tool.CLOUDFORMATION, tuple(resolved), tuple(self.notes))

    # Sections ---------------------------------------------------------------------------------------

    def read_sections(self) -> None:
        data = self.data
        if not isinstance(data, dict):
            raise self.error("a template's top level must be a mapping of sections", line=1)
        resources = data.get("Resources")
        if resources is None and "AWSTemplateFormatVersion" not in data:
            raise self.error(
                "neither a Terraform plan in JSON (`terraform show -json PLAN`) nor a CloudFormation "
                "template (no Resources section)",
                line=1,
            )
        if not isinstance(resources, dict):
            raise self.error("a template needs a Resources section, a mapping of resources", line=1)
        for logical_id, resource in resources.items():
            line = self.lines.get(logical_id)
            if not _LOGICAL_ID.fullmatch(logical_id):
                raise self.error(
                    f"resource {quoted(logical_id)}: a logical id must be alphanumeric (A-Za-z0-9)", line
                )
            if not isinstance(resource, dict):
                raise self.error(f"resource {logical_id} is not a mapping", line)
            if not isinstance(resource.get("Type"), str):
                raise self.error(f"resource {logical_id} has no Type", line)
            if not isinstance(resource.get("Properties", {}), dict):
                raise self.error(f"the Properties of resource {logical_id} are not a mapping", line)
        self.resources = resources
        self.parameters = self.section("Parameters")
        for name, parameter in self.parameters.items():
            if not isinstance(parameter, dict) or not isinstance(parameter.get("Type"), str):
                raise self.error(f"parameter {name} is not a mapping with a Type")
        self.mappings = self.section("Mappings")
        self.conditions = self.section("Conditions")
        self.read_transform(data.get("Transform"))

    def section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.error(f"the {name} section is not a mapping")
        return value

    def read_transform(self, transform: object) -> None:
        if transform is None:
            return
        names = transform if isinstance(transform, list) else [transform]
        self.transforms = tuple(
            name if isinstance(name, str) else str(name.get("Name", name)) if isinstance(name, dict) else "?"
            for name in names
        )
        self.notes.append(
            f"{self.path}: Transform {', '.join(self.transforms)} is not expanded: the resources it would "
            "declare are not judged, the template's resources are judged as written"
        )

    def created(self, logical_id: str, resource: dict[str, Any]) -> bool | Unknown:
        """Whether deploying creates the resource: its `Condition` is absent or true (True), false (the
        resource is left out), or decided at deployment: an `Unknown` naming the condition
        (`Conditions.IsProd`) and what it waits for, which becomes `IacResource.condition`."""
        condition = resource.get("Condition")
        if condition is None:
            return True
        if not isinstance(condition, str):
            raise self.error(f"the Condition of resource {logical_id} is not a condition's name")
        truth = self.condition(condition)
        if truth is False:
            self.excluded[logical_id] = condition
            return False
        if isinstance(truth, Unknown):
            self.notes.append(
                f"{self.path}: {logical_id} may not be created: its condition {condition} is decided at "
                f"deployment ({_reason(truth)})"
            )
            return Unknown(f"Conditions.{condition}", f"decided at deployment: {_reason(truth)}")
        return True

    # Values -----------------------------------------------------------------------------------------

    def resolve(self, value: Any, at: str) -> Any:
        """`value` with its intrinsic functions evaluated; `_NO_VALUE` where it is removed."""
        if isinstance(value, dict):
            if len(value) == 1:
                key, argument = next(iter(value.items()))
                function = _FUNCTIONS.get(key)
                if function is not None:
                    return function(self, argument, at)
                if key.startswith("Fn::"):
                    return Unknown(at, f"{AT_DEPLOYMENT} ({key} is not evaluated)")
            resolved = {}
            for key, item in value.items():
                result = self.resolve(item, f"{at}.{key}")
                if result is not _NO_VALUE:
                    resolved[key] = result
            return resolved
        if isinstance(value, list):
            items = (self.resolve(item, f"{at}[{index}]") for index, item in enumerate(value))
            return [item for item in items if item is not _NO_VALUE]
        return value

    def arguments(self, function: str, argument: Any, counts: tuple[int, ...]) -> list[Any]:
        if not isinstance(argument, list) or len(argument) not in counts:
            expected = " or ".join(str(count) for count in counts)
            raise self.error(f"{function} takes a list of {expected} arguments, not {quoted(argument)}")
        return argument

    def ref(self, argument: Any, at: str) -> Any:
        if not isinstance(argument, str):
            raise self.error(f"Ref takes a name, not {quoted(argument)}")
        return self.named(argument, at, "Ref")

    def named(self, name: str, at: str, function: str) -> Any:
        """The value of a name as `Ref` or a `${}` of `Fn::Sub` reads it."""
        if name.startswith("AWS::"):
            return self.pseudo(name, at)
        if name in self.parameters:
            return self.parameter(name, at)
        if name in self.resources:
            return self.resource_ref(name, at)
        return self.undeclared(name, at, function)

    def undeclared(self, name: str, at: str, function: str) -> Unknown:
        if self.transforms:  # the transform may declare it (SAM's MyFunctionRole, MyApiStage...)
            return Unknown(at, f"{AT_DEPLOYMENT} ({name} is not declared: the transform may declare it)")
        raise self.error(
            f"{function} to {quoted(name)}, which is neither a parameter nor a resource of the template"
        )

    def pseudo(self, name: str, at: str) -> Any:
        if name == "AWS::Partition":
            return PARTITION
        if name == "AWS::URLSuffix":
            return URL_SUFFIX
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name == "AWS::AccountId":
            return self.account_id or DEPLOYING_ACCOUNT
        if name == "AWS::Region" and self.region:
            return self.region
        if name in ("AWS::Region", "AWS::StackName", "AWS::StackId", "AWS::NotificationARNs"):
            return Unknown(at, f"chosen at deployment ({name})")
        raise self.error(f"unknown pseudo parameter {name}")

    def parameter(self, name: str, at: str) -> Any:
        parameter = self.parameters[name]
        kind: str = parameter["Type"]
        if kind.startswith(_SSM_PARAMETER):
            return Unknown(at, f"chosen at deployment (parameter {name} is read from Parameter Store)")
        if "Default" not in parameter:
            return Unknown(at, f"chosen at deployment (parameter {name} has no default)")
        default = parameter["Default"]
        if _LIST_PARAMETER.fullmatch(kind):
            members = default if isinstance(default, list) else (_text(default) or "").split(",")
            return [(_text(member) or "").strip() for member in members]
        if kind == "Number" and isinstance(default, int | float) and not isinstance(default, bool):
            return default
        text = _text(default)
        if text is None:
            raise self.error(f"the Default of parameter {name} is not a scalar")
        return text

    def resource_ref(self, logical_id: str, at: str) -> Any:
        if logical_id in self.excluded:
            return self.not_created(logical_id, at)
        name = self.fixed_name(logical_id)
        if name is not None:
            return name
        return Ref(logical_id, None, at, f"{AT_DEPLOYMENT} (!Ref {logical_id})")

    def not_created(self, logical_id: str, at: str) -> Unknown:
        condition = self.excluded[logical_id]
        return Unknown(at, f"{AT_DEPLOYMENT} ({logical_id} is not created: condition {condition} is false)")

    def fixed_name(self, logical_id: str) -> str | None:
        """The name `Ref` returns for a resource whose type returns its name and whose template fixes
        it (a literal `BucketName`, or one resolved from known values)."""
        resource = self.resources[logical_id]
        prop = _REF_RETURNS_NAME.get(resource["Type"])
        properties = resource.get("Properties", {})
        if prop is None or prop not in properties:
            return None
        if logical_id not in self.names:
            if logical_id in self.naming:
                raise self.error(f"the {prop} of {logical_id} depends on itself")
            self.naming.add(logical_id)
            self.names[logical_id] = self.resolve(properties[prop], f"{logical_id}.{prop}")
            self.naming.discard(logical_id)
        name = self.names[logical_id]
        return name if isinstance(name, str) else None

    def get_att(self, argument: Any, at: str) -> Any:
        if isinstance(argument, str) and "." in argument:
            argument = argument.split(".", 1)
        logical_id, attribute = self.arguments("Fn::GetAtt", argument, (2,))
        if not isinstance(logical_id, str):
            raise self.error(f"Fn::GetAtt names a resource by its logical id, not {quoted(logical_id)}")
        if logical_id not in self.resources:
            if logical_id in self.parameters:
                raise self.error(f"Fn::GetAtt to {quoted(logical_id)}, a parameter, not a resource")
            return self.undeclared(logical_id, at, "Fn::GetAtt")
        if logical_id in self.excluded:
            return self.not_created(logical_id, at)
        attribute = self.resolve(attribute, at)
        if not isinstance(attribute, str):
            return Unknown(at, f"{AT_DEPLOYMENT} (the attribute of Fn::GetAtt {logical_id} is not known)")
        if self.resources[logical_id]["Type"] == "AWS::S3::Bucket" and attribute == "Arn":
            name = self.fixed_name(logical_id)
            if name is not None:
                return f"arn:{PARTITION}:s3:::{name}"
        return Ref(logical_id, attribute, at, f"{AT_DEPLOYMENT} (!GetAtt {logical_id}.{attribute})")

    def sub(self, argument: Any, at: str) -> Any:
        variables: dict[str, Any] = {}
        if isinstance(argument, list):
            template, given = self.arguments("Fn::Sub", argument, (2,))
            if not isinstance(given, dict):
                raise self.error(f"the variables of Fn::Sub are not a mapping: {quoted(given)}")
            variables = {name: self.resolve(value, at) for name, value in given.items()}
        else:
            template = argument
        if not isinstance(template, str):
            raise self.error(f"Fn::Sub takes a string, not {quoted(template)}")
        parts: list[Any] = []
        position = 0
        for match in _SUB_VARIABLE.finditer(template):
            parts.append(template[position : match.start()])
            name = match.group(1)
            if name.startswith("!"):
                parts.append("${" + name[1:] + "}")
            else:
                parts.append(self.sub_variable(name, variables, at))
            position = match.end()
        parts.append(template[position:])
        return self.joined(parts, at, whole=_SUB_VARIABLE.fullmatch(template) is not None)

    def sub_variable(self, name: str, variables: dict[str, Any], at: str) -> Any:
        if name in variables:
            value = variables[name]
        elif name.startswith("AWS::") or name in self.parameters or name in self.resources:
            value = self.named(name, at, "Fn::Sub")
        elif "." in name:
            value = self.get_att(name, at)
        else:
            value = self.undeclared(name, at, "Fn::Sub")
        if isinstance(value, Unknown | Ref):
            return _relocated(value, at)
        text = _text(value)
        if text is None:
            return Unknown(at, f"{AT_DEPLOYMENT} (the Fn::Sub variable {name} is not a string)")
        return text

    def joined(self, parts: list[Any], at: str, *, whole: bool) -> Any:
        """Parts of a string as one string; a lone link as the link; else unknown."""
        if whole and len([part for part in parts if part != ""]) == 1:
            lone = next(part for part in parts if part != "")
            if isinstance(lone, Ref):
                return lone
        unknown = _unknown_in(parts)
        if unknown is not None:
            return Unknown(at, unknown.why)
        return "".join(parts)

    def join(self, argument: Any, at: str) -> Any:
        delimiter, items = self.arguments("Fn::Join", argument, (2,))
        delimiter = self.resolve(delimiter, at)
        items = self.resolve(items, at)
        unknown = _unknown_in([delimiter, items] if not isinstance(items, list) else [delimiter])
        if unknown is not None:
            return Unknown(at, unknown.why)
        if not isinstance(delimiter, str) or not isinstance(items, list):
            raise self.error(f"Fn::Join takes a delimiter and a list, not {quoted(argument)}")
        texts: list[Any] = []
        for item in items:
            if isinstance(item, Unknown | Ref):
                texts.append(item)
                continue
            text = _text(item)
            if text is None:
                return Unknown(at, f"{AT_DEPLOYMENT} (Fn::Join of {quoted(item)}, which is not a string)")
            texts.append(text)
        unknown = _unknown_in(texts)
        if unknown is not None:
            return Unknown(at, unknown.why)
        return delimiter.join(texts)

    def select(self, argument: Any, at: str) -> Any:
        index, items = (self.resolve(part, at) for part in self.arguments("Fn::Select", argument, (2,)))
        unknown = _unknown_in(index) or (_unknown_in(items) if not isinstance(items, list) else None)
        if unknown is not None:
            return Unknown(at, unknown.why)
        text = _text(index)
        if text is None or not text.isdigit() or not isinstance(items, list):
            raise self.error(f"Fn::Select takes an index and a list, not {quoted(argument)}")
        if int(text) >= len(items):
            raise self.error(f"Fn::Select index {text} is out of a list of {len(items)}")
        return _relocated(items[int(text)], at)

    def split(self, argument: Any, at: str) -> Any:
        delimiter, source = (self.resolve(part, at) for part in self.arguments("Fn::Split", argument, (2,)))
        unknown = _unknown_in([delimiter, source])
        if unknown is not None:
            return Unknown(at, unknown.why)
        if not isinstance(delimiter, str) or not delimiter or not isinstance(source, str):
            raise self.error(f"Fn::Split takes a delimiter and a string, not {quoted(argument)}")
        return source.split(delimiter)

    def find_in_map(self, argument: Any, at: str) -> Any:
        arguments = self.arguments("Fn::FindInMap", argument, (3, 4))
        keys = [self.resolve(part, at) for part in arguments[:3]]
        unknown = _unknown_in(keys)
        if unknown is not None:
            return Unknown(at, unknown.why)
        names = [_text(key) for key in keys]
        found: Any = self.mappings
        for depth, name in enumerate(names):
            if not isinstance(found, dict) or name not in found:
                if len(arguments) == 4 and isinstance(arguments[3], dict) and "DefaultValue" in arguments[3]:
                    return self.resolve(arguments[3]["DefaultValue"], at)
                where = "Mappings" if depth == 0 else ".".join(str(n) for n in names[:depth])
                raise self.error(f"Fn::FindInMap: {quoted(name)} is not in {where}")
            found = found[name]
        return found

    def base64(self, argument: Any, at: str) -> Any:
        value = self.resolve(argument, at)
        unknown = _unknown_in(value)
        if unknown is not None:
            return Unknown(at, unknown.why)
        if not isinstance(value, str):
            raise self.error(f"Fn::Base64 takes a string, not {quoted(value)}")
        return base64.b64encode(value.encode()).decode()

    def import_value(self, argument: Any, at: str) -> Unknown:
        name = self.resolve(argument, at)
        export = f" (export {name})" if isinstance(name, str) else ""
        return Unknown(at, f"imported from another stack{export}")

    def if_(self, argument: Any, at: str) -> Any:
        condition, when_true, when_false = self.arguments("Fn::If", argument, (3,))
        truth = self.condition(condition)
        if isinstance(truth, Unknown):
            return Unknown(at, f"decided at deployment (condition {condition}: {_reason(truth)})")
        return self.resolve(when_true if truth else when_false, at)

    # Conditions -------------------------------------------------------------------------------------

    def condition(self, name: object) -> bool | Unknown:
        """The truth of a named condition of the template (Unknown when it depends on deployment)."""
        if not isinstance(name, str) or name not in self.conditions:
            raise self.error(f"{quoted(name)} is not a condition of the template")
        if name not in self.truths:
            if name in self.evaluating:
                raise self.error(f"condition {name} depends on itself")
            self.evaluating.add(name)
            self.truths[name] = self.truth(self.conditions[name], f"Conditions.{name}")
            self.evaluating.discard(name)
        return self.truths[name]

    def truth(self, expression: Any, at: str) -> bool | Unknown:
        """A condition function's value; Unknown (the value it waits for) when not decided."""
        if isinstance(expression, dict) and len(expression) == 1:
            key, argument = next(iter(expression.items()))
            if key == "Condition":
                return self.condition(argument)
            logic = _LOGIC.get(key)
            if logic is not None:
                return logic(self, argument, at)
        raise self.error(f"{at} is not a condition function: {quoted(expression)}")

    def equals(self, argument: Any, at: str) -> bool | Unknown:
        left, right = (self.resolve(side, at) for side in self.arguments("Fn::Equals", argument, (2,)))
        unknown = _unknown_in([left, right])
        if unknown is not None:
            return unknown
        return _canonical(left) == _canonical(right)

    def operands(
        self, function: str, argument: Any, at: str, counts: tuple[int, ...]
    ) -> Iterator[bool | Unknown]:
        return (self.truth(item, at) for item in self.arguments(function, argument, counts))

    def and_(self, argument: Any, at: str) -> bool | Unknown:
        truths = list(self.operands("Fn::And", argument, at, tuple(range(2, 11))))
        if False in truths:
            return False
        return next((truth for truth in truths if isinstance(truth, Unknown)), True)

    def or_(self, argument: Any, at: str) -> bool | Unknown:
        truths = list(self.operands("Fn::Or", argument, at, tuple(range(2, 11))))
        if True in truths:
            return True
        return next((truth for truth in truths if isinstance(truth, Unknown)), False)

    def not_(self, argument: Any, at: str) -> bool | Unknown:
        (truth,) = self.operands("Fn::Not", argument, at, (1,))
        return truth if isinstance(truth, Unknown) else not truth


def _left_to_deployment(why: str) -> Callable[[_Template, Any, str], Unknown]:
    def evaluate(template: _Template, argument: Any, at: str) -> Unknown:
        return Unknown(at, why)

    return evaluate


_LOGIC: Final[dict[str, Callable[[_Template, Any, str], bool | Unknown]]] = {
    "Fn::Equals": _Template.equals,
    "Fn::And": _Template.and_,
    "Fn::Or": _Template.or_,
    "Fn::Not": _Template.not_,
}

_FUNCTIONS: Final[dict[str, Callable[[_Template, Any, str], Any]]] = {
    "Ref": _Template.ref,
    "Fn::GetAtt": _Template.get_att,
    "Fn::Sub": _Template.sub,
    "Fn::Join": _Template.join,
    "Fn::Select": _Template.select,
    "Fn::Split": _Template.split,
    "Fn::FindInMap": _Template.find_in_map,
    "Fn::Base64": _Template.base64,
    "Fn::If": _Template.if_,
    "Fn::ImportValue": _Template.import_value,
    "Fn::GetAZs": _left_to_deployment("chosen at deployment (Fn::GetAZs)"),
    "Fn::Cidr": _left_to_deployment("computed at deployment (Fn::Cidr)"),
    "Fn::Transform": _left_to_deployment("computed at deployment (Fn::Transform runs a macro)"),
    **_LOGIC,
}
