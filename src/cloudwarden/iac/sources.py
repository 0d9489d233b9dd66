"""Finding and reading the plans and templates `iac` is given.

Each PATH is a file or a directory. A file named on the command line must be a Terraform plan in JSON
(`terraform show -json plan.out`) or a CloudFormation template (YAML or JSON): anything else, or a
malformed one, is an error naming the file (exit 2), never a silent skip. A directory is searched
(without following links to directories, skipping hidden directories, `.terraform` and
`node_modules`) for files that say they are one: JSON with a plan's `format_version` and
`terraform_version`, or a template's `AWSTemplateFormatVersion` or top-level `Resources:`. Other files
of a repository (workflows, manifests, package.json) are left alone; a file that says it is a plan or
template and cannot be read is an error, as a named file is. A directory holding neither is an error
too: a pull-request check pointed at the wrong place must not pass.

A document's path (`IacDocument.path`: the account it is judged as, its findings' ids and `location`,
SARIF's URIs) is the file's path relative to the current directory when the file is inside it, with
`/` separators, else its absolute resolved path: the same file gives the same findings however it is
named (`iac c2.json`, `iac ./c2.json`, `iac /work/repo/c2.json`, a directory holding it).

Files are read as every input is (`cloudwarden.inputs`): regular files only, UTF-8; templates at most
64 MiB (CloudFormation's own limit is 1 MB), plans without bound (mapped, not copied).
"""

from __future__ import annotations

import mmap
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import msgspec

from cloudwarden.collector import collector_paused
from cloudwarden.iac.cloudformation import looks_like_template, parse_template
from cloudwarden.iac.model import IacDocument, IacError
from cloudwarden.iac.terraform import parse_plan
from cloudwarden.inputs import InputError, decoded, read_text

WHAT = "plan or template"
_CANDIDATE_SUFFIXES = frozenset({".json", ".yaml", ".yml", ".template", ".cfn", ".tpl"})
_SKIPPED_DIRECTORIES = frozenset({".terraform", "node_modules", "__pycache__"})
_ZIP_MAGIC = b"PK\x03\x04"
_TEMPLATE_MARK = re.compile(r"^(AWSTemplateFormatVersion\s*:|Resources\s*:)", re.MULTILINE)
_JSON_TEMPLATE_MARK = re.compile(r'"(AWSTemplateFormatVersion|Resources)"\s*:')
_JSON_PLAN_MARK = re.compile(r'"format_version"\s*:')
_PEEK_BYTES = 1 << 20
_BOM = b"\xef\xbb\xbf"


def read_documents(
    paths: Sequence[Path], *, account_id: str | None = None, region: str | None = None
) -> list[IacDocument]:
    """The documents of `paths`, in order (a directory's sorted by path), each file once.

    `account_id` and `region` resolve CloudFormation's `AWS::AccountId` and `AWS::Region` (from a
    `--snapshot`'s account); without them the first is a placeholder and the second unknown."""
    documents: list[IacDocument] = []
    seen: set[Path] = set()
    for path in paths:
        found = False
        for file, named in _files(path):
            real = file.resolve()
            if real in seen:
                found = True
                continue
            with collector_paused():
                document = _read(file, named, account_id, region)
            if document is not None:
                seen.add(real)
                documents.append(document)
                found = True
        if not found:
            raise IacError(str(path), "no Terraform plan (JSON) or CloudFormation template found in it")
    return documents


def _files(path: Path) -> Iterator[tuple[Path, bool]]:
    """`(file, named)`: the path itself when it is not a directory (named on the command line), else
    the candidate files under it."""
    if not path.exists() and not path.is_symlink():
        raise IacError(str(path), "no such file or directory")
    if not path.is_dir():
        yield path, True
        return
    for root, directories, files in os.walk(path, followlinks=False):
        directories[:] = sorted(
            d for d in directories if not d.startswith(".") and d not in _SKIPPED_DIRECTORIES
        )
        for name in sorted(files):
            found = Path(root) / name
            if found.is_symlink() and not found.exists():
                continue  # a broken link holds no plan or template: left alone, as other files are
            if Path(name).suffix.lower() in _CANDIDATE_SUFFIXES and not name.startswith("."):
                yield found, False


def _read(file: Path, named: bool, account_id: str | None, region: str | None) -> IacDocument | None:
    """The document in `file`; None for a file found in a directory that is neither kind."""
    display = document_path(file)
    head = _head(file)
    if head.startswith(_ZIP_MAGIC):
        if not named:
            return None
        raise IacError(display, "a binary Terraform plan: give the output of `terraform show -json PLAN`")
    text_head = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text_head.startswith(("{", "[")):
        return _read_json(file, display, text_head, named, account_id, region)
    if not named and not _TEMPLATE_MARK.search(text_head):
        return None
    text = _text(file)
    return parse_template(text, display, account_id=account_id, region=region)


def _read_json(
    file: Path, display: str, head: str, named: bool, account_id: str | None, region: str | None
) -> IacDocument | None:
    if not named and not (_JSON_PLAN_MARK.search(head) or _JSON_TEMPLATE_MARK.search(head)):
        return None
    data = _json(file, display)
    if isinstance(data, dict) and "format_version" in data and _is_plan(data):
        return parse_plan(data, display)
    if looks_like_template(data):
        return parse_template(_text(file), display, account_id=account_id, region=region)
    if not named:
        return None
    # A state file (`resources`) or `terraform show -json` of a state (`values`, no plan sections).
    if isinstance(data, dict) and "terraform_version" in data and ("resources" in data or "values" in data):
        raise IacError(
            display, "a Terraform state, not a plan: give the output of `terraform show -json PLAN`"
        )
    raise IacError(
        display,
        "neither a Terraform plan in JSON (`terraform show -json PLAN`) nor a CloudFormation template",
    )


def document_path(file: Path) -> str:
    """How a document names its file: relative to the current directory when inside it (`/`
    separators), else absolute; links and `..` resolved, so that one file has one name."""
    real = file.resolve()
    try:
        return real.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return real.as_posix()


def _is_plan(data: dict[str, Any]) -> bool:
    """A plan has a format version and at least one of the plan's own sections (a state or a provider
    schema dump has a format version too)."""
    return any(key in data for key in ("planned_values", "resource_changes", "configuration"))


def _head(file: Path) -> bytes:
    try:
        return decoded(file, WHAT, lambda raw: bytes(raw[:_PEEK_BYTES]))
    except InputError as error:
        raise IacError(str(file), _problem(error, file)) from error


def _text(file: Path) -> str:
    try:
        return read_text(file, WHAT).removeprefix("\ufeff")  # a byte-order mark is no content
    except InputError as error:
        raise IacError(str(file), _problem(error, file)) from error


def _decode_json(raw: mmap.mmap | bytes) -> object:
    """JSON, after a UTF-8 byte-order mark if the file starts with one (some editors write it)."""
    return msgspec.json.decode(raw[len(_BOM) :] if raw[: len(_BOM)] == _BOM else raw)


def _json(file: Path, display: str) -> object:
    try:
        return decoded(file, WHAT, _decode_json)
    except msgspec.DecodeError as error:
        raise IacError(display, f"not valid JSON: {error}") from error
    except InputError as error:
        raise IacError(display, _problem(error, file)) from error


def _problem(error: InputError, file: Path) -> str:
    """The input error's message without the file's name, which `IacError` puts first."""
    message = str(error)
    for prefix in (f"cannot read {WHAT} {file}: ", f"{WHAT} {file} "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message
