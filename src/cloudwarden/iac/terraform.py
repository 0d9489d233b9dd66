"""Terraform plans in JSON (`terraform show -json PLAN`, format_version 1.x) into documents.

Semantics modelled, after Terraform's "JSON Output Format" (plan representation):

- Resources: one per managed resource instance of `planned_values` (the root module and its
  `child_modules`, recursively), with the address Terraform gives it, plus the instances that
  `resource_changes` deletes (`["delete"]`, absent from `planned_values`). Data sources are not
  resources to judge. Objects a change calls "deposed" are old objects of a create-before-destroy
  replacement on their way out: skipped.
- Actions: `["create"]`, `["update"]`, `["no-op"]`, `["delete"]`; `["delete","create"]` and
  `["create","delete"]` are a replacement. `["forget"]` (Terraform 1.7) leaves the object deployed but
  unmanaged: the plan says nothing of it any more, skipped with a note; `["create","forget"]` creates
  the new object (judged as created, the forgotten one noted). `["read"]` is a data source's. Any
  other action is not a plan this reader understands: an error, not a guess.
- Values: the planned values, where every leaf `change.after_unknown` marks `true` (a whole
  attribute, a nested attribute, one element of a list) is known only after apply. Terraform omits
  those from `planned_values` (or leaves `null`, in lists), so each becomes an `Unknown` naming the
  attribute (`aws_security_group_rule.web.cidr_blocks[0]`), or a `Ref` when the attribute's
  configuration expression is a link to exactly one managed resource of the plan.
- Links: `configuration` gives each attribute's expression as a `constant_value` or a list of
  `references`, every prefix of a traversal listed (`aws_s3_bucket.b.id`, `aws_s3_bucket.b`). A
  reference to a resource of the same module is a link; `var.x` in a module follows the parent's
  module call argument `x`; `module.m.out` follows the module's output expression. `local.*`,
  `data.*`, `each.value` (but see below), `path.*`, `terraform.*`, `self.*` name no managed
  resource: an expression with one of them (or with two resources, or two attributes of one) is not
  a link, and its unknown
  value stays an `Unknown`; a known value stays the value (Terraform resolved its references).
  `aws_s3_bucket.b[each.key]` and `aws_s3_bucket.b[count.index]` appear
  as the bare resource with `each.key` or `count.index`: the link goes to the instance with the
  referencing instance's own key (not through a module call or output: `each.key` there is the
  module instance's). A reference without a key goes to the instance with the referencing
  instance's key when there is one, else to the only instance; otherwise it is no link. Only
  instances that remain after apply (those of `planned_values`) are linked to.
  `each.value.id` (listed as `each.value.id`, `each.value`) in a resource whose `for_each_expression`
  references exactly one resource of its module and nothing else (`for_each = aws_s3_bucket.logs`: the
  map of that resource's instances by key) links to that resource's instance with the referencing
  instance's own key, attribute `id`: `aws_s3_bucket_policy.p["app"]` -> `aws_s3_bucket.logs["app"]`.
  A `for_each` over anything else (a variable, a `for` expression over several objects), or
  `each.value` reached through a module call's argument (the module instance's), is no link.
  (A `for` expression over that one resource that renames its keys references it alike: the plan's
  JSON does not tell the two apart, and the key then names no instance, or another.)
  Blocks nested in a list (`[{...}, {...}]` in the configuration) are matched to the values' elements
  only when every block agrees on the link: a set's order is not the configuration's.
- Computed, not configured: a wholly unknown top-level attribute that the resource's configuration
  does not set at all (no expression for it: `aws_security_group`'s inline `ingress` when the rules
  are separate resources, `aws_security_group_rule`'s `source_security_group_id` beside
  `cidr_blocks`, a bucket's legacy `policy`) is left out of the values, as an attribute not set: the
  provider fills it from what is configured elsewhere, and taking it for an unknown setting would make
  every such resource UNKNOWN. Below the top level, or for a partly known attribute, a missing
  expression may be a `dynamic` block's (Terraform leaves those out of the configuration's
  expressions): unknown parts stay unknown there. One case looks the same as not set and is not: a
  `dynamic` block whose `for_each` is itself unknown at plan time; its rules are not seen
  (docs/iac.md).
- Region: a resource's own known `region` (the AWS provider's per-resource region, 6.0, and the
  bucket's computed `region`); else, unless the configuration sets `region` to something unknown,
  its provider configuration's (`configuration.provider_config[provider_config_key]`, which
  Terraform 1.2 and later points at the configuration a module inherits or is passed) `region`
  argument: a constant, or `var.x` followed to the plan's `variables` (or to a module call's
  argument). Anything else (the environment's AWS_REGION, an unknown expression): None.

A plan says nothing of configuration lines: every location is the plan file alone. Anything that is
not the documented shape is an `IacError` naming the JSON path of the problem: among others a plan
without `configuration` (Terraform's `show -json` of a plan always writes it; without it no link could
be followed), two resources of one address in `planned_values`, an expression's `references` that are
not strings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from cloudwarden.findings import Location
from cloudwarden.iac.model import Action, IacDocument, IacError, IacResource, Ref, Tool, Unknown

Key = int | str | None
"""An instance key: a `count` index, a `for_each` key, or None for a resource without either."""
ModuleInstance = tuple[tuple[str, Key], ...]
"""A module instance: `module.a["x"].module.b` is `(("a", "x"), ("b", None))`; the root is `()`."""
ModulePath = tuple[str, ...]
"""A module of the configuration (instances share it): `module.a.module.b` is `("a", "b")`."""

_ACTIONS: Mapping[tuple[str, ...], Action] = {
    ("create",): Action.CREATE,
    ("update",): Action.UPDATE,
    ("delete", "create"): Action.REPLACE,
    ("create", "delete"): Action.REPLACE,
    ("delete",): Action.DELETE,
    ("no-op",): Action.NO_OP,
    ("create", "forget"): Action.CREATE,
}
_READ = ("read",)
_FORGET = ("forget",)
_INDEX_REFERENCES = frozenset({"each.key", "count.index"})
"""References that stand for the referencing instance's own key (`x[each.key]`, `x[count.index]`)."""
_NOT_RESOURCES = frozenset({"var", "local", "data", "each", "count", "path", "terraform", "self", "module"})
Nodes = tuple[object, ...]
"""Configuration nodes that may hold the expression of a value's path (see `_Merge`)."""
_MAX_LINK_DEPTH = 64
"""Module calls followed for one link: deeper (or a cycle, in a malformed plan) is no link."""

_NOT_CACHED: Any = object()
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_TOKEN = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+|"(?:[^"\\]|\\.)*"|\*)\]')


class _Malformed(Exception):
    """A shape the format does not allow, at a JSON path."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")


def parse_plan(plan: Mapping[str, Any], path: str) -> IacDocument:
    """The plan's resources as a document; `IacError` naming the JSON path of anything malformed."""
    try:
        return _PlanReader(plan, path).read()
    except _Malformed as error:
        raise IacError(path, str(error)) from None
    except RecursionError:
        raise IacError(path, "values nested too deeply to read") from None


# -- shapes -----------------------------------------------------------------------------------------


def _object(value: object, where: str) -> Mapping[str, Any]:
    if type(value) is dict or isinstance(value, Mapping):
        return value
    raise _Malformed(where, f"expected an object, found {_json_type(value)}")


def _array(value: object, where: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise _Malformed(where, f"expected an array, found {_json_type(value)}")
    return value


def _string(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise _Malformed(where, f"expected a string, found {_json_type(value)}")
    return value


def _optional(container: Mapping[str, Any], key: str, where: str, kind: type) -> Any:
    """`container[key]` when present and not null, checked to be of `kind` (dict or list)."""
    value = container.get(key)
    if value is None:
        return {} if kind is dict else []
    at = f"{where}.{key}" if where else key
    return _object(value, at) if kind is dict else _array(value, at)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object" if isinstance(value, Mapping) else type(value).__name__


def _check_references(node: object, where: str) -> None:
    """Every expression's `references` below `node` (a resource's, an output's, a module call's
    configuration) is an array of strings, as the format writes it: anything else is malformed, not an
    expression to skip. A nested block may be named `references` (an object, or an array of objects:
    walked as blocks)."""
    stack: list[tuple[object, str]] = [(node, where)]
    while stack:
        item, at = stack.pop()
        if isinstance(item, list):
            stack.extend((inner, f"{at}[{index}]") for index, inner in enumerate(item))
            continue
        if not isinstance(item, dict):
            continue
        for key, inner in item.items():
            path = f"{at}.{key}"
            if key == "references" and not isinstance(inner, dict):
                if not isinstance(inner, list):
                    raise _Malformed(path, f"expected an array of strings, found {_json_type(inner)}")
                for index, reference in enumerate(inner):
                    if not isinstance(reference, str | dict):
                        raise _Malformed(
                            f"{path}[{index}]", f"expected a string, found {_json_type(reference)}"
                        )
            stack.append((inner, path))


def _index_key(value: object, where: str) -> Key:
    """A resource entry's `index`: a count index (number) or a for_each key (string)."""
    if value is None or (isinstance(value, int | str) and not isinstance(value, bool)):
        return value
    raise _Malformed(where, f"expected a number or a string, found {_json_type(value)}")


# -- addresses and references -----------------------------------------------------------------------


def _steps(text: str) -> list[str | tuple[Key]] | None:
    """`module.a["x"].aws_s3_bucket.b[0].id` as names and keys (a key is a 1-tuple, `[*]` is
    `(None,)`); None when the text is not a plain traversal."""
    if "[" not in text and '"' not in text:  # the usual `type.name.attribute`: no keys to read
        names = text.split(".")
        return list(names) if all(_NAME.fullmatch(name) for name in names) else None
    steps: list[str | tuple[Key]] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            return None
        name, key = match.group(1), match.group(2)
        if name is not None:
            if match.group(0).startswith(".") == (position == 0):
                return None  # a leading dot, or two names without one
            steps.append(name)
        elif position == 0:
            return None
        elif key == "*":
            steps.append((None,))
        elif key.startswith('"'):
            try:
                steps.append((json.loads(key),))
            except ValueError:
                return None
        else:
            steps.append((int(key),))
        position = match.end()
    return steps or None


def _module_instance(address: str, where: str) -> ModuleInstance:
    """A module address (`module.a["x"].module.b`) as its calls and their keys."""
    if address == "":
        return ()
    steps = _steps(address)
    calls: list[tuple[str, Key]] = []
    index = 0
    while steps is not None and index + 1 < len(steps):
        keyword, name = steps[index], steps[index + 1]
        if keyword != "module" or not isinstance(name, str):
            break
        index += 2
        key: Key = None
        step = steps[index] if index < len(steps) else None
        if isinstance(step, tuple):
            key = step[0]
            index += 1
        calls.append((name, key))
    if steps is None or index != len(steps):
        raise _Malformed(where, f"not a module address: {address!r}")
    return tuple(calls)


def _module_path(instance: ModuleInstance) -> ModulePath:
    return tuple(name for name, _ in instance)


class _Reference(NamedTuple):
    """One referenced object of an expression, its forms (`x.b.id`, `x.b`) merged."""

    kind: str
    """`resource`, `var`, `module` (an output), `index` (each.key, count.index), `each` (each.value)
    or `other`."""
    name: str = ""
    """`aws_s3_bucket.b`, the variable's name, the module call's name."""
    keys: frozenset[Key] = frozenset()
    attributes: frozenset[str] = frozenset()
    """The attribute read from it (`id`), or the module's output."""


def _references(expression: Mapping[str, Any]) -> list[_Reference] | None:
    """The objects an expression refers to (None for an expression without references)."""
    raw = expression.get("references")
    if not isinstance(raw, list) or not raw:
        return None
    groups: dict[tuple[str, str], tuple[set[Key], set[str]]] = {}
    for text in raw:
        if not isinstance(text, str):
            return [_Reference("other")]
        kind, name, key, attribute = _classify(text)
        keys, attributes = groups.setdefault((kind, name), (set(), set()))
        if key is not None:
            keys.add(key)
        if attribute is not None:
            attributes.add(attribute)
    return [
        _Reference(kind, name, frozenset(keys), frozenset(attributes))
        for (kind, name), (keys, attributes) in groups.items()
    ]


def _classify(text: str) -> tuple[str, str, Key, str | None]:
    """A reference string as (kind, name, key, attribute)."""
    if text in _INDEX_REFERENCES:
        return "index", text, None, None
    steps = _steps(text)
    if steps is None or not isinstance(steps[0], str) or len(steps) < 2 or not isinstance(steps[1], str):
        return "other", text, None, None
    root, second, rest = steps[0], steps[1], steps[2:]
    key: Key = None
    if rest and isinstance(rest[0], tuple):
        key, rest = rest[0][0], rest[1:]
        if key is None:  # a splat: every instance
            return "other", text, None, None
    attribute = rest[0] if rest and isinstance(rest[0], str) else None
    if root == "var":
        return ("var", second, None, None) if key is None else ("other", text, None, None)
    if root == "module":
        return "module", second, key, attribute
    if root == "each" and second == "value":
        return "each", "each.value", key, attribute
    if root in _NOT_RESOURCES:
        return "other", f"{root}.{second}", None, None
    return "resource", f"{root}.{second}", key, attribute


@dataclass(frozen=True)
class _Link:
    """A managed resource an expression names: where, which instance, what of it."""

    module: ModuleInstance
    resource: str
    key: Key
    keyed: bool
    """True when the reference gives the instance key itself (`x.b[0]`)."""
    attribute: str | None
    own_key: bool = False
    """True for `x.b[each.key]` / `x.b[count.index]`: the referencing instance's key."""


@dataclass
class _ModuleConfig:
    resources: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    """`aws_s3_bucket.b` -> the resource's configuration entry."""
    calls: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    outputs: dict[str, Mapping[str, Any]] = field(default_factory=dict)


_Change = tuple[Mapping[str, Any], Mapping[str, Any], str]
"""A resource change: its `change`, its entry, and the JSON path of the entry."""


@dataclass(frozen=True)
class _Planned:
    """A managed resource instance of `planned_values`."""

    address: str
    type: str
    name: str
    key: Key
    module: ModuleInstance
    values: Mapping[str, Any]


class _PlanReader:
    def __init__(self, plan: Mapping[str, Any], path: str) -> None:
        self.plan = plan
        self.path = path
        self.location = Location(file=path)
        self.notes: list[str] = []
        self.modules: dict[ModulePath, _ModuleConfig] = {}
        self.providers: Mapping[str, Any] = {}
        self.variables: Mapping[str, Any] = {}
        self.instances: dict[tuple[ModuleInstance, str], dict[Key, str]] = {}
        self.regions: dict[str, str | None] = {}
        """Each provider configuration's region, once."""
        self.links: dict[tuple[int, ModuleInstance], _Link | None] = {}
        """Each expression's link from a module instance, once (instances of a resource share its
        expressions); keyed by identity, as the plan holds every expression for the whole parse."""

    def read(self) -> IacDocument:
        plan = _object(self.plan, "(plan)")
        self._check_version(plan)
        self.variables = _optional(plan, "variables", "", dict)
        configuration = plan.get("configuration")
        if configuration is None:
            raise _Malformed(
                "configuration",
                "missing: `terraform show -json PLAN` always writes the configuration the plan was made "
                "from, and without it the links between resources cannot be followed",
            )
        configuration = _object(configuration, "configuration")
        self.providers = _optional(configuration, "provider_config", "configuration", dict)
        self._index_module(
            _object(configuration.get("root_module"), "configuration.root_module"),
            (),
            "configuration.root_module",
        )
        planned_values = _object(plan.get("planned_values"), "planned_values")
        root = _object(planned_values.get("root_module"), "planned_values.root_module")
        planned = list(self._planned(root, (), "planned_values.root_module"))
        addresses: set[str] = set()
        for resource in planned:
            if resource.address in addresses:
                raise _Malformed("planned_values", f"a second resource of address {resource.address}")
            addresses.add(resource.address)
            self.instances.setdefault((resource.module, f"{resource.type}.{resource.name}"), {})[
                resource.key
            ] = resource.address
        changes = self._changes(plan)
        resources = [self._resource(resource, changes.pop(resource.address, None)) for resource in planned]
        for address, (change, entry, where) in changes.items():
            resources.append(self._unplanned(address, change, entry, where))
        self._note_plan_state(plan)
        return IacDocument(
            path=self.path,
            tool=Tool.TERRAFORM,
            resources=tuple(resource for resource in resources if resource is not None),
            notes=tuple(self.notes),
        )

    # -- the plan's parts ---------------------------------------------------------------------------

    def _check_version(self, plan: Mapping[str, Any]) -> None:
        version = plan.get("format_version")
        if not isinstance(version, str):
            raise _Malformed("format_version", f"expected a string, found {_json_type(version)}")
        if re.fullmatch(r"1\.\d+", version) is None:
            raise _Malformed("format_version", f"{version!r} is not a plan format 1.x this reader knows")

    def _note_plan_state(self, plan: Mapping[str, Any]) -> None:
        if plan.get("errored") is True:
            self.notes.append("the plan errored: it may lack resources Terraform could not plan")
        deferred = plan.get("deferred_changes")
        if isinstance(deferred, list) and deferred:
            self.notes.append(f"{len(deferred)} resource change(s) deferred to a later plan: not judged")

    def _index_module(self, module: Mapping[str, Any], path: ModulePath, where: str) -> None:
        """Every module of the configuration by its path, once (lookups are then constant time)."""
        config = _ModuleConfig()
        self.modules[path] = config
        for number, raw in enumerate(_optional(module, "resources", where, list)):
            at = f"{where}.resources[{number}]"
            entry = _object(raw, at)
            address = _string(entry.get("address"), f"{at}.address")
            _check_references(entry, at)
            if entry.get("mode", "managed") == "managed":
                config.resources[address] = entry
        for name, output in _optional(module, "outputs", where, dict).items():
            config.outputs[name] = _object(output, f"{where}.outputs.{name}")
            _check_references(config.outputs[name], f"{where}.outputs.{name}")
        for name, raw in _optional(module, "module_calls", where, dict).items():
            at = f"{where}.module_calls.{name}"
            call = _object(raw, at)
            _check_references({key: item for key, item in call.items() if key != "module"}, at)
            config.calls[name] = call
            self._index_module(_optional(call, "module", at, dict), (*path, name), f"{at}.module")

    def _planned(self, module: Mapping[str, Any], instance: ModuleInstance, where: str) -> Iterator[_Planned]:
        for number, raw in enumerate(_optional(module, "resources", where, list)):
            at = f"{where}.resources[{number}]"
            entry = _object(raw, at)
            address = _string(entry.get("address"), f"{at}.address")
            mode = _string(entry.get("mode"), f"{at}.mode")
            if mode != "managed":
                continue
            yield _Planned(
                address=address,
                type=_string(entry.get("type"), f"{at}.type"),
                name=_string(entry.get("name"), f"{at}.name"),
                key=_index_key(entry.get("index"), f"{at}.index"),
                module=instance,
                values=_optional(entry, "values", at, dict),
            )
        for number, raw in enumerate(_optional(module, "child_modules", where, list)):
            at = f"{where}.child_modules[{number}]"
            child = _object(raw, at)
            address = _string(child.get("address"), f"{at}.address")
            yield from self._planned(child, _module_instance(address, f"{at}.address"), at)

    def _changes(self, plan: Mapping[str, Any]) -> dict[str, _Change]:
        """Each managed instance's change (not a deposed object's) by address, checked."""
        changes: dict[str, _Change] = {}
        for number, raw in enumerate(_optional(plan, "resource_changes", "", list)):
            at = f"resource_changes[{number}]"
            entry = _object(raw, at)
            address = _string(entry.get("address"), f"{at}.address")
            mode = _string(entry.get("mode"), f"{at}.mode")
            _string(entry.get("type"), f"{at}.type")
            change = _object(entry.get("change"), f"{at}.change")
            actions = _array(change.get("actions"), f"{at}.change.actions")
            for step, action in enumerate(actions):
                _string(action, f"{at}.change.actions[{step}]")
            if mode != "managed" or entry.get("deposed") is not None:
                continue
            if address in changes:
                raise _Malformed(f"{at}.address", f"a second change of {address}")
            changes[address] = (change, entry, at)
        return changes

    # -- resources ----------------------------------------------------------------------------------

    def _action(self, change: Mapping[str, Any], address: str, at: str) -> Action | None:
        actions = tuple(change["actions"])
        if actions in _ACTIONS:
            if actions == ("create", "forget"):
                self.notes.append(
                    f"{address}: the object it replaces is forgotten (left deployed): not judged"
                )
            return _ACTIONS[actions]
        if actions == _READ:
            self.notes.append(f"{address}: a managed resource planned to be read: skipped")
            return None
        if actions == _FORGET:
            self.notes.append(f"{address}: forgotten by Terraform, left deployed unmanaged: not judged")
            return None
        raise _Malformed(f"{at}.change.actions", f"{list(actions)} is not an action of the plan format")

    def _resource(self, planned: _Planned, found: _Change | None) -> IacResource | None:
        if found is None:
            self.notes.append(f"{planned.address}: in planned_values without a resource change: skipped")
            return None
        change, _entry, at = found
        action = self._action(change, planned.address, at)
        if action is None:
            return None
        if action is Action.DELETE:
            self.notes.append(f"{planned.address}: planned to be deleted yet in planned_values: skipped")
            return None
        unknown = _object(change.get("after_unknown"), f"{at}.change.after_unknown")
        config = self.modules.get(_module_path(planned.module), _ModuleConfig()).resources.get(
            f"{planned.type}.{planned.name}"
        )
        expressions = _expressions(config)
        values = _Merge(self, planned, at).merge(
            planned.values, unknown, "", (expressions,) if expressions is not None else ()
        )
        assert isinstance(values, dict)
        return IacResource(
            address=planned.address,
            type=planned.type,
            values=values,
            location=self.location,
            region=self._region(values, config),
            action=action,
            before=self._before(change, action, at),
        )

    def _unplanned(
        self, address: str, change: Mapping[str, Any], entry: Mapping[str, Any], at: str
    ) -> IacResource | None:
        """A change without planned values: a deletion (anything else is noted and skipped)."""
        action = self._action(change, address, at)
        if action is None:
            return None
        if action is not Action.DELETE:
            self.notes.append(f"{address}: a change without planned values: skipped")
            return None
        before = _object(change.get("before"), f"{at}.change.before")
        module_address = entry.get("module_address")
        module = _module_instance(
            "" if module_address is None else _string(module_address, f"{at}.module_address"),
            f"{at}.module_address",
        )
        kind = _string(entry.get("type"), f"{at}.type")
        config = self.modules.get(_module_path(module), _ModuleConfig()).resources.get(
            f"{kind}.{entry.get('name')}"
        )
        return IacResource(
            address=address,
            type=kind,
            values=before,
            location=self.location,
            region=self._region(before, config),
            action=Action.DELETE,
            before=before,
        )

    def _before(self, change: Mapping[str, Any], action: Action, at: str) -> Mapping[str, Any] | None:
        if action in (Action.UPDATE, Action.REPLACE, Action.DELETE):
            return _object(change.get("before"), f"{at}.change.before")
        return None

    # -- regions ------------------------------------------------------------------------------------

    def _region(self, values: Mapping[str, Any], config: Mapping[str, Any] | None) -> str | None:
        """The resource's own region, else its provider configuration's (see the module docstring)."""
        own = values.get("region")
        if isinstance(own, str) and own:
            return own
        if config is None:
            return None
        expressions = _expressions(config)
        if expressions is not None and "region" in expressions:
            return None  # set, but to a value not known yet
        key = config.get("provider_config_key")
        if not isinstance(key, str):
            return None
        if key not in self.regions:
            self.regions[key] = self._provider_region(key)
        return self.regions[key]

    def _provider_region(self, key: str) -> str | None:
        """A provider configuration's `region`, when the plan states it."""
        provider = self.providers.get(key)
        if not isinstance(provider, dict):
            return None
        arguments = provider.get("expressions")
        expression = arguments.get("region") if isinstance(arguments, dict) else None
        module_address = provider.get("module_address")
        module: ModulePath = ()
        if isinstance(module_address, str) and module_address:
            try:
                module = _module_path(_module_instance(module_address, "provider_config"))
            except _Malformed:
                return None
        region = self._constant(expression, module, 0)
        return region if isinstance(region, str) and region else None

    def _constant(self, expression: object, module: ModulePath, depth: int) -> object:
        """An expression's value when the plan states it: a constant, or variables followed."""
        if not isinstance(expression, dict) or depth > _MAX_LINK_DEPTH:
            return None
        if "constant_value" in expression:
            return expression["constant_value"]
        references = _references(expression)
        if references is None or len(references) != 1 or references[0].kind != "var":
            return None
        name = references[0].name
        if not module:
            variable = self.variables.get(name)
            return variable.get("value") if isinstance(variable, dict) else None
        call = self.modules.get(module[:-1], _ModuleConfig()).calls.get(module[-1], {})
        arguments = call.get("expressions")
        return self._constant(
            arguments.get(name) if isinstance(arguments, dict) else None, module[:-1], depth + 1
        )

    # -- links --------------------------------------------------------------------------------------

    def link(self, node: object, planned: _Planned) -> Ref | None:
        """The instance a configuration node's expression links to, as a `Ref` (its `at` filled by
        the caller); None when the node is not an expression or not a link."""
        if not isinstance(node, dict) or not _is_expression(node):
            return None
        cached = self.links.get((id(node), planned.module), _NOT_CACHED)
        if cached is _NOT_CACHED:
            over = self._for_each_over(planned)
            cached = self.links[(id(node), planned.module)] = self._link(node, planned.module, 0, over)
        found = cached if isinstance(cached, _Link) else None
        if found is None:
            return None
        instances = self.instances.get((found.module, found.resource), {})
        if found.keyed:
            address = instances.get(found.key)
        elif planned.key is not None and planned.key in instances:
            address = instances[planned.key]
        elif len(instances) == 1 and not found.own_key:
            address = next(iter(instances.values()))
        else:
            address = None
        if address is None:
            return None
        return Ref(address=address, attribute=found.attribute, at="")

    def _for_each_over(self, planned: _Planned) -> str | None:
        """The resource of the same module that the planned resource's `for_each` is (`for_each =
        aws_s3_bucket.logs`: its `for_each_expression` references exactly that resource, no instance
        nor attribute of it); None for any other `for_each`, or none."""
        config = self.modules.get(_module_path(planned.module), _ModuleConfig()).resources.get(
            f"{planned.type}.{planned.name}"
        )
        expression = config.get("for_each_expression") if config is not None else None
        references = _references(expression) if isinstance(expression, dict) else None
        if references is None or len(references) != 1:
            return None
        (reference,) = references
        if reference.kind != "resource" or reference.keys or reference.attributes:
            return None
        return reference.name

    def _link(
        self, expression: Mapping[str, Any], module: ModuleInstance, depth: int, over: str | None = None
    ) -> _Link | None:
        """The link of an expression read in `module`; `over` is the resource the referencing
        resource's `for_each` iterates over (`each.value` is then its instance of the same key)."""
        references = _references(expression)
        if references is None or depth > _MAX_LINK_DEPTH:
            return None
        own_key = any(reference.kind == "index" for reference in references)
        objects = [reference for reference in references if reference.kind != "index"]
        if len(objects) != 1:
            return None
        (reference,) = objects
        if len(reference.keys) > 1 or len(reference.attributes) > 1:
            return None
        key = next(iter(reference.keys), None)
        attribute = next(iter(reference.attributes), None)
        if reference.kind == "each":
            # `each.value.id` under `for_each = aws_s3_bucket.logs`: the instance of that resource with
            # the referencing instance's own key. Only in the resource's own expressions (depth 0): in a
            # module call's argument, `each` is the module instance's.
            if over is None or depth != 0 or own_key or reference.keys:
                return None
            return _Link(module, over, None, False, attribute, own_key=True)
        if reference.kind == "resource":
            if own_key and (reference.keys or reference.attributes):
                return None
            return _Link(module, reference.name, key, bool(reference.keys), attribute, own_key)
        if own_key:
            return None
        if reference.kind == "var" and module:
            call = self.modules.get(_module_path(module[:-1]), _ModuleConfig()).calls.get(module[-1][0], {})
            argument = _argument(call, reference.name)
            return _outer(self._link(argument, module[:-1], depth + 1) if argument is not None else None)
        if reference.kind == "module" and attribute is not None:
            child = (*module, (reference.name, key))
            config = self.modules.get(_module_path(child))
            output = config.outputs.get(attribute) if config is not None else None
            expression_of = output.get("expression") if output is not None else None
            if not isinstance(expression_of, dict):
                return None
            return _outer(self._link(expression_of, child, depth + 1))
        return None


def _outer(found: _Link | None) -> _Link | None:
    """A link found in another module's expression: `each.key` there is not the referencing
    instance's key, so an own-key link is no link."""
    return None if found is None or found.own_key else found


def _argument(call: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    arguments = call.get("expressions")
    argument = arguments.get(name) if isinstance(arguments, dict) else None
    return argument if isinstance(argument, dict) else None


def _expressions(config: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    expressions = config.get("expressions") if config is not None else None
    return expressions if isinstance(expressions, dict) else None


def _is_expression(node: object) -> bool:
    """An expression object (`{"references": [...]}`, `{"constant_value": ...}`), not a block's."""
    return isinstance(node, dict) and bool(node) and set(node) <= {"references", "constant_value"}


def _step_name(step: str | int) -> str:
    """A step of an attribute's path as written after its parent: `.name`, `[0]`, `["a.b"]`."""
    if isinstance(step, int):
        return f"[{step}]"
    if step.isidentifier() or _NAME.fullmatch(step):
        return f".{step}"
    return f"[{json.dumps(step)}]"


class _Merge:
    """Planned values with `after_unknown`'s leaves replaced by `Unknown` or `Ref`.

    `nodes` are the configuration nodes that may hold the expression of the current path: one
    block's expressions, the expression covering the path, or the blocks of a list that must all
    agree (a set's elements are not in the configuration's order)."""

    def __init__(self, reader: _PlanReader, planned: _Planned, at: str) -> None:
        self.reader = reader
        self.planned = planned
        self.at = f"{at}.change.after_unknown"

    def merge(self, value: object, unknown: object, path: str, nodes: Nodes) -> object:
        """`value` with the unknown leaves that `unknown` marks replaced; `path` is the attribute's
        path within the resource (`.ingress[0].cidr_blocks`)."""
        if unknown is True:
            return self._unknown(path, nodes)
        if unknown is False or unknown is None:
            return value
        if isinstance(unknown, dict):
            if value is not None and not isinstance(value, dict):
                found = _json_type(value)
                raise _Malformed(self.at + path, f"an object, but the planned value is {found}")
            merged = dict(value or {})
            for key, inner in unknown.items():
                if not path and inner is True and _not_configured(nodes, key):
                    merged.pop(key, None)  # computed by the provider from what is configured elsewhere
                    continue
                step = path + _step_name(key)
                merged[key] = self.merge(merged.get(key), inner, step, _descend(nodes, key, None))
            return merged
        if isinstance(unknown, list):
            if value is not None and not (isinstance(value, list) and len(value) == len(unknown)):
                found = _json_type(value)
                raise _Malformed(self.at + path, f"{len(unknown)} elements, but the planned value is {found}")
            elements = value or [None] * len(unknown)
            return [
                self.merge(element, inner, f"{path}[{index}]", _descend(nodes, index, len(unknown)))
                for index, (element, inner) in enumerate(zip(elements, unknown, strict=True))
            ]
        found = _json_type(unknown)
        raise _Malformed(self.at + path, f"expected an object, an array or a boolean, found {found}")

    def _unknown(self, path: str, nodes: Nodes) -> Unknown | Ref:
        attribute = self.planned.address + path
        if not nodes:
            return Unknown(attribute)
        found = self.reader.link(nodes[0], self.planned)
        for node in nodes[1:]:
            if found is None:
                break
            if self.reader.link(node, self.planned) != found:
                found = None
        if found is None:
            return Unknown(attribute)
        return Ref(address=found.address, attribute=found.attribute, at=attribute)


def _not_configured(nodes: Nodes, key: str) -> bool:
    """Whether the resource's configuration (the one expressions object at the top) sets no `key`.

    Only a wholly unknown top-level attribute is read as not set: Terraform leaves `dynamic` blocks
    out of the configuration's expressions even when their `for_each` is known, so a partly known
    attribute without an expression may be one (its unknown parts then stay unknown)."""
    return (
        len(nodes) == 1
        and isinstance(nodes[0], dict)
        and not _is_expression(nodes[0])
        and key not in nodes[0]
    )


def _descend(nodes: Nodes, step: str | int, length: int | None) -> Nodes:
    """The configuration nodes of `step` below `nodes` (see `_Merge`)."""
    found: list[object] = []
    for node in nodes:
        if _is_expression(node):
            found.append(node)  # the expression covers everything below it
        elif isinstance(node, dict) and isinstance(step, str):
            child = node.get(step)
            if child is None:
                return ()  # not configured: no expression gives this value
            found.append(child)
        elif isinstance(node, list) and isinstance(step, int):
            if len(node) != length:
                return ()  # dynamic blocks, or another shape: no expression is known to be this one's
            found.extend(node)
        else:
            return ()
    return tuple(found)
