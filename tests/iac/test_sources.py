"""Which files `iac` reads, and the errors for those it cannot: always naming the file, never a
traceback, never a silent skip of a file named on the command line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cloudwarden.iac.model import IacError, Tool
from cloudwarden.iac.sources import read_documents

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Logs:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: logs-bucket
"""

PLAN = {
    "format_version": "1.2",
    "terraform_version": "1.9.5",
    "planned_values": {
        "root_module": {
            "resources": [
                {
                    "address": "aws_s3_bucket.logs",
                    "mode": "managed",
                    "type": "aws_s3_bucket",
                    "name": "logs",
                    "provider_name": "registry.terraform.io/hashicorp/aws",
                    "schema_version": 0,
                    "values": {"bucket": "logs-bucket", "force_destroy": False},
                    "sensitive_values": {},
                }
            ]
        }
    },
    "resource_changes": [
        {
            "address": "aws_s3_bucket.logs",
            "mode": "managed",
            "type": "aws_s3_bucket",
            "name": "logs",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {
                "actions": ["create"],
                "before": None,
                "after": {"bucket": "logs-bucket", "force_destroy": False},
                "after_unknown": {"arn": True, "id": True},
                "before_sensitive": False,
                "after_sensitive": {},
            },
        }
    ],
    "configuration": {
        "provider_config": {"aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws"}},
        "root_module": {
            "resources": [
                {
                    "address": "aws_s3_bucket.logs",
                    "mode": "managed",
                    "type": "aws_s3_bucket",
                    "name": "logs",
                    "provider_config_key": "aws",
                    "expressions": {"bucket": {"constant_value": "logs-bucket"}},
                    "schema_version": 0,
                }
            ]
        },
    },
}


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_template_and_a_plan_named_on_the_command_line(tmp_path: Path) -> None:
    template = _write(tmp_path / "web.yaml", TEMPLATE)
    plan = _write(tmp_path / "plan.json", json.dumps(PLAN))
    documents = read_documents([template, plan])
    assert [(d.path, d.tool) for d in documents] == [
        (str(template), Tool.CLOUDFORMATION),
        (str(plan), Tool.TERRAFORM),
    ]
    assert [[r.address for r in d.resources] for d in documents] == [["Logs"], ["aws_s3_bucket.logs"]]


def test_a_directory_is_searched_for_both_and_leaves_other_files_alone(tmp_path: Path) -> None:
    _write(tmp_path / "infra" / "stack.template", TEMPLATE)
    _write(tmp_path / "infra" / "plan.json", json.dumps(PLAN))
    _write(tmp_path / "package.json", '{"name": "site", "version": "1.0.0"}')
    _write(tmp_path / ".github" / "workflows" / "ci.yml", "on: push\njobs: {}\n")
    _write(tmp_path / "k8s" / "deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\n")
    _write(tmp_path / "node_modules" / "x" / "template.yaml", TEMPLATE)
    _write(tmp_path / ".hidden" / "template.yaml", TEMPLATE)
    _write(tmp_path / "notes.txt", TEMPLATE)
    documents = read_documents([tmp_path])
    assert [d.path for d in documents] == [
        str(tmp_path / "infra" / "plan.json"),
        str(tmp_path / "infra" / "stack.template"),
    ]


def test_a_file_found_twice_is_read_once(tmp_path: Path) -> None:
    template = _write(tmp_path / "web.yaml", TEMPLATE)
    assert len(read_documents([template, tmp_path, template])) == 1


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("notes.yaml", "title: release notes\n", "neither a Terraform plan"),
        ("package.json", '{"name": "site"}', "neither a Terraform plan"),
        ("list.json", "[1, 2]", "neither a Terraform plan"),
        ("broken.json", '{"format_version": "1.2", ', "not valid JSON"),
        (
            "terraform.tfstate",
            json.dumps({"version": 4, "terraform_version": "1.9.5", "resources": []}),
            "a Terraform state, not a plan",
        ),
    ],
)
def test_a_named_file_that_is_neither_is_an_error_naming_it(
    tmp_path: Path, name: str, content: str, problem: str
) -> None:
    path = _write(tmp_path / name, content)
    with pytest.raises(IacError) as raised:
        read_documents([path])
    assert str(raised.value).startswith(f"{path}: ")
    assert problem in raised.value.problem


def test_a_binary_plan_says_what_to_give_instead(tmp_path: Path) -> None:
    path = tmp_path / "plan.out"
    path.write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(IacError, match=r"a binary Terraform plan: give the output of `terraform show -json"):
        read_documents([path])


def test_a_malformed_template_in_a_directory_is_an_error_not_a_skip(tmp_path: Path) -> None:
    _write(tmp_path / "good.yaml", TEMPLATE)
    broken = _write(tmp_path / "broken.yaml", TEMPLATE + "  Oops: [\n")
    with pytest.raises(IacError) as raised:
        read_documents([tmp_path])
    assert raised.value.path == str(broken)


def test_a_malformed_plan_in_a_directory_is_an_error(tmp_path: Path) -> None:
    broken = _write(tmp_path / "plan.json", '{"format_version": "1.2", "terraform_version": "1.9.5", ')
    with pytest.raises(IacError) as raised:
        read_documents([tmp_path])
    assert raised.value.path == str(broken)
    assert "not valid JSON" in raised.value.problem


def test_a_directory_without_plan_or_template_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path / "README.md", "# infra\n")
    with pytest.raises(IacError, match=r"no Terraform plan \(JSON\) or CloudFormation template found"):
        read_documents([tmp_path])


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(IacError, match="no such file or directory"):
        read_documents([tmp_path / "absent.yaml"])


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "template.yaml"
    os.mkfifo(fifo)
    with pytest.raises(IacError, match="not a regular file"):
        read_documents([fifo])


def test_text_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_bytes(TEMPLATE.encode() + b"\n# \xff\xfe\n")
    with pytest.raises(IacError, match="not UTF-8"):
        read_documents([path])


def test_links_to_directories_are_not_followed(tmp_path: Path) -> None:
    _write(tmp_path / "real" / "stack.yaml", TEMPLATE)
    (tmp_path / "real" / "loop").symlink_to(tmp_path / "real", target_is_directory=True)
    assert [d.path for d in read_documents([tmp_path / "real"])] == [str(tmp_path / "real" / "stack.yaml")]


def test_a_byte_order_mark_is_no_content(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_bytes(b"\xef\xbb\xbf" + json.dumps(PLAN).encode())
    template = tmp_path / "stack.yaml"
    template.write_bytes(b"\xef\xbb\xbf" + TEMPLATE.encode())
    documents = read_documents([plan, template])
    assert [[r.address for r in d.resources] for d in documents] == [["aws_s3_bucket.logs"], ["Logs"]]


def test_a_broken_link_in_a_directory_is_left_alone(tmp_path: Path) -> None:
    _write(tmp_path / "stack.yaml", TEMPLATE)
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "absent.yaml")
    assert [d.path for d in read_documents([tmp_path])] == [str(tmp_path / "stack.yaml")]


def test_a_broken_link_named_on_the_command_line_is_an_error(tmp_path: Path) -> None:
    link = tmp_path / "gone.yaml"
    link.symlink_to(tmp_path / "absent.yaml")
    with pytest.raises(IacError) as raised:
        read_documents([link])
    assert raised.value.path == str(link)
