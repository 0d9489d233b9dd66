"""Every input file reader, fed any bytes or any JSON, gives a clean result or its own typed error.

The readers are the snapshot, the report, the configuration and AWS's ip-ranges file (read as the CLI
reads it: `read_text`, then `parse_ip_ranges`). No other exception may escape: the CLI turns the
typed errors into exit 2, and anything else into "internal error".
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloudwarden.config import ConfigError, load_config
from cloudwarden.findings import FINDINGS_SCHEMA
from cloudwarden.inputs import InputError, read_text
from cloudwarden.report.diff import ReportFileError, load_report
from cloudwarden.rules import MANUAL_RULE_IDS, RULE_IDS
from cloudwarden.semantics.dns import parse_ip_ranges
from cloudwarden.snapshot import SNAPSHOT_SCHEMA, SnapshotError, load_snapshot
from tests.properties import PROPERTY_EXAMPLES

FAST = settings(
    max_examples=PROPERTY_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(st.characters(exclude_categories=()))  # lone surrogates included: "\ud800" escapes
)
BYTES = st.binary(max_size=300) | st.text("[]{}:,-?&*!|>'\"%@#\t\n abc019.", max_size=300).map(str.encode)
"""Any bytes, and text made of what YAML and JSON read as structure."""
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)


def _ip_ranges(path: Path) -> object:
    return parse_ip_ranges(read_text(path, "route53.aws_ip_ranges_file"))


def _config(path: Path) -> object:
    return load_config(path, RULE_IDS, manual_rules=MANUAL_RULE_IDS)


READERS: dict[str, tuple[Callable[[Path], object], tuple[type[Exception], ...]]] = {
    "snapshot": (load_snapshot, (SnapshotError,)),
    "report": (load_report, (ReportFileError,)),
    "configuration": (_config, (ConfigError,)),
    "ip-ranges": (_ip_ranges, (InputError, ValueError)),
}

SHAPES: dict[str, Callable[[Any], Any]] = {
    "snapshot": lambda value: {"schema": SNAPSHOT_SCHEMA, "scan": value, "accounts": value},
    "report": lambda value: {"schema": FINDINGS_SCHEMA, "scan": value, "findings": value},
    "configuration": lambda value: {"root": value, "attestations": value, "security_groups": value},
    "ip-ranges": lambda value: {"prefixes": value, "ipv6_prefixes": value},
}
"""Each reader's document with random values where its fields go, to get past the first check."""


def _read(name: str, path: Path, content: bytes) -> None:
    reader, typed_errors = READERS[name]
    path.write_bytes(content)
    with contextlib.suppress(*typed_errors):
        reader(path)


@pytest.mark.parametrize("name", sorted(READERS))
@FAST
@given(content=BYTES)
def test_any_bytes_give_a_result_or_the_typed_error(name: str, content: bytes, tmp_path: Path) -> None:
    _read(name, tmp_path / "input", content)


@pytest.mark.parametrize("name", sorted(READERS))
@FAST
@given(value=JSON_VALUES)
def test_any_json_gives_a_result_or_the_typed_error(name: str, value: Any, tmp_path: Path) -> None:
    _read(name, tmp_path / "input", json.dumps(value).encode())


@pytest.mark.parametrize("name", sorted(READERS))
@FAST
@given(value=JSON_VALUES, splice=st.tuples(st.integers(min_value=0), st.binary(max_size=3)))
def test_any_values_in_the_readers_fields_give_a_result_or_the_typed_error(
    name: str, value: Any, splice: tuple[int, bytes], tmp_path: Path
) -> None:
    """The reader's own document with any values in its fields, and any bytes spliced in anywhere
    (inside a string, they are not UTF-8)."""
    document = json.dumps(SHAPES[name](value), ensure_ascii=False).encode(errors="surrogatepass")
    where, junk = splice[0] % (len(document) + 1), splice[1]
    _read(name, tmp_path / "input", document[:where] + junk + document[where:])
