"""The pre-commit hook this repository declares runs the `iac` command as documented."""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml
from typer.testing import CliRunner

from cloudwarden.cli import app

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Site:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: hook-site
      PublicAccessBlockConfiguration:
        BlockPublicAcls: false
        IgnorePublicAcls: false
        BlockPublicPolicy: false
        RestrictPublicBuckets: false
  SitePolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Site
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: !Sub "arn:aws:s3:::${Site}/*"
"""


def _hook() -> dict[str, object]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    (hook,) = hooks
    assert isinstance(hook, dict)
    return hook


def test_the_hook_runs_iac_on_its_arguments_without_file_names() -> None:
    hook = _hook()
    assert hook["id"] == "cloudwarden-iac"
    assert hook["entry"] == "cloudwarden iac"
    assert hook["pass_filenames"] is False
    assert hook["args"] == ["."]
    assert hook["language"] == "python"


def test_the_hooks_command_fails_a_public_bucket_in_the_repository(tmp_path: Path) -> None:
    hook = _hook()
    arguments = hook["args"]
    assert isinstance(arguments, list)
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "site.yaml").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "README.md").write_text("# site\n", encoding="utf-8")
    command = shlex.split(str(hook["entry"]))[1:] + [str(tmp_path / arg) for arg in arguments]
    result = CliRunner().invoke(app, command, env={"COLUMNS": "400"})
    assert result.exit_code == 1
    assert f"Site (hook-site) at {tmp_path / 'infra' / 'site.yaml'}:3: anyone can read" in result.stdout
