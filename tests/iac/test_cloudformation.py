"""The CloudFormation template parser: reading YAML and JSON, resolving intrinsic functions, refusing
malformed and hostile templates with an error naming the line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from cloudwarden.findings import Location
from cloudwarden.iac import cloudformation
from cloudwarden.iac.cloudformation import (
    DEPLOYING_ACCOUNT,
    load_template,
    looks_like_template,
    parse_template,
)
from cloudwarden.iac.model import IacDocument, IacError, IacResource, Ref, Tool, Unknown

FIXTURES = Path(__file__).parent / "fixtures" / "cloudformation"
NO_DEFAULT = "chosen at deployment (parameter {} has no default)"


def parse(name: str, **options: Any) -> IacDocument:
    path = FIXTURES / name
    return parse_template(path.read_text(encoding="utf-8"), str(path), **options)


def by_address(document: IacDocument) -> dict[str, IacResource]:
    return {resource.address: resource for resource in document.resources}


def lines(document: IacDocument) -> dict[str, int | None]:
    return {resource.address: resource.location.line for resource in document.resources}


def values(text: str, address: str = "Thing", **options: Any) -> Any:
    """The resolved Properties of one resource of an inline template."""
    document = parse_template(text, "inline.yaml", **options)
    return dict(by_address(document)[address].values)


def template(properties: str, head: str = "", more: str = "") -> str:
    """A template whose resource `Thing` has `properties` (YAML lines, indented by six)."""
    return (
        f"{head}Resources:\n"
        "  Other:\n    Type: AWS::SNS::Topic\n"
        "  Named:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: cw-named\n"
        f"  Thing:\n    Type: AWS::SNS::Topic\n    Properties:\n{properties}{more}"
    )


def error_of(text: str, path: str = "bad.yaml") -> str:
    with pytest.raises(IacError) as raised:
        parse_template(text, path)
    assert raised.value.path == path
    return raised.value.problem


# The fixtures ---------------------------------------------------------------------------------------


def test_s3_buckets_yaml() -> None:
    document = parse("s3_buckets.yaml")
    path = str(FIXTURES / "s3_buckets.yaml")
    assert document.path == path
    assert document.tool == Tool.CLOUDFORMATION
    assert document.notes == ()
    assert lines(document) == {
        "SiteBucket": 4,
        "SitePolicy": 19,
        "LogsBucket": 31,
        "LogsPolicy": 42,
        "PrivateBucket": 64,
    }
    resources = by_address(document)
    assert resources["SiteBucket"].type == "AWS::S3::Bucket"
    assert resources["SiteBucket"].location == Location(file=path, line=4)
    assert resources["SiteBucket"].values == {
        "BucketName": "cw-site-bucket",
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": False,
            "BlockPublicPolicy": False,
            "IgnorePublicAcls": False,
            "RestrictPublicBuckets": False,
        },
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]},
        "AccessControl": "PublicRead",
        "WebsiteConfiguration": {"IndexDocument": "index.html"},
    }
    assert resources["SitePolicy"].type == "AWS::S3::BucketPolicy"
    assert resources["SitePolicy"].values == {
        "Bucket": "cw-site-bucket",
        "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PublicRead",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::cw-site-bucket/*",
                }
            ],
        },
    }
    statements = resources["LogsPolicy"].values["PolicyDocument"]["Statement"]
    assert resources["LogsPolicy"].values["Bucket"] == Ref(
        "LogsBucket", None, "LogsPolicy.Bucket", "known only at deployment (!Ref LogsBucket)"
    )
    assert statements[0]["Resource"] == Ref(
        "LogsBucket",
        "Arn",
        "LogsPolicy.PolicyDocument.Statement[0].Resource",
        "known only at deployment (!GetAtt LogsBucket.Arn)",
    )
    assert statements[1]["Resource"] == Unknown(
        "LogsPolicy.PolicyDocument.Statement[1].Resource", "known only at deployment (!GetAtt LogsBucket.Arn)"
    )
    assert statements[1]["Condition"] == {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}
    assert resources["PrivateBucket"].values == {"BucketName": "cw-private-bucket"}
    assert {resource.region for resource in document.resources} == {None}


def test_s3_buckets_json() -> None:
    document = parse("s3_buckets.json")
    assert lines(document) == {"DataBucket": 15, "DataPolicy": 27, "ScratchBucket": 47, "ScratchPolicy": 50}
    resources = by_address(document)
    assert resources["DataBucket"].values == {
        "BucketName": "cw-json-data",
        "AccessControl": "PublicReadWrite",
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]},
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": False, "IgnorePublicAcls": False},
    }
    assert resources["DataPolicy"].values == {
        "Bucket": "cw-json-data",
        "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {
                        "AWS": Unknown(
                            "DataPolicy.PolicyDocument.Statement[0].Principal.AWS",
                            NO_DEFAULT.format("ReaderAccount"),
                        )
                    },
                    "Action": ["s3:GetObject", "s3:ListBucket"],
                    "Resource": ["arn:aws:s3:::cw-json-data", "arn:aws:s3:::cw-json-data/*"],
                }
            ],
        },
    }
    assert resources["ScratchBucket"].values == {}
    scratch = resources["ScratchPolicy"].values
    assert scratch["Bucket"] == Ref(
        "ScratchBucket", None, "ScratchPolicy.Bucket", "known only at deployment (!Ref ScratchBucket)"
    )
    assert scratch["PolicyDocument"]["Statement"][0]["Resource"] == Unknown(
        "ScratchPolicy.PolicyDocument.Statement[0].Resource",
        "known only at deployment (!GetAtt ScratchBucket.Arn)",
    )


def test_security_groups() -> None:
    document = parse("security_groups.yaml")
    assert lines(document) == {
        "WebGroup": 20,
        "AdminGroup": 34,
        "SshGroup": 56,
        "AdminFromWeb": 66,
        "AdminRdp": 74,
        "WebToAdmin": 82,
    }
    resources = by_address(document)
    web = resources["WebGroup"].values
    assert web["VpcId"] == Unknown("WebGroup.VpcId", NO_DEFAULT.format("VpcId"))
    assert web["SecurityGroupIngress"] == [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0"},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIpv6": "::/0"},
    ]
    assert "SecurityGroupEgress" not in web
    admin = resources["AdminGroup"].values
    assert admin["SecurityGroupIngress"] == [
        {
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "CidrIp": Unknown("AdminGroup.SecurityGroupIngress[0].CidrIp", NO_DEFAULT.format("AdminCidr")),
        },
        {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "CidrIp": "10.0.0.0/8"},  # IsProd
    ]
    assert admin["SecurityGroupEgress"] == [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0"}
    ]
    assert resources["SshGroup"].values["SecurityGroupIngress"] == [
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}  # OpenSsh, default
    ]
    assert resources["AdminFromWeb"].type == "AWS::EC2::SecurityGroupIngress"
    assert resources["AdminFromWeb"].values == {
        "GroupId": Ref(
            "AdminGroup", None, "AdminFromWeb.GroupId", "known only at deployment (!Ref AdminGroup)"
        ),
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "SourceSecurityGroupId": Ref(
            "WebGroup",
            "GroupId",
            "AdminFromWeb.SourceSecurityGroupId",
            "known only at deployment (!GetAtt WebGroup.GroupId)",
        ),
    }
    assert resources["AdminRdp"].values["GroupId"] == Ref(
        "AdminGroup", "GroupId", "AdminRdp.GroupId", "known only at deployment (!GetAtt AdminGroup.GroupId)"
    )
    assert resources["AdminRdp"].values["CidrIp"] == "0.0.0.0/0"
    egress = resources["WebToAdmin"]
    assert egress.type == "AWS::EC2::SecurityGroupEgress"
    assert egress.values["GroupId"] == Ref(
        "WebGroup", "GroupId", "WebToAdmin.GroupId", "known only at deployment (!GetAtt WebGroup.GroupId)"
    )
    assert egress.values["DestinationSecurityGroupId"] == Ref(
        "AdminGroup",
        "GroupId",
        "WebToAdmin.DestinationSecurityGroupId",
        "known only at deployment (!GetAtt AdminGroup.GroupId)",
    )


def test_conditions_parameters_and_every_function() -> None:
    document = parse("conditions.yaml")
    path = str(FIXTURES / "conditions.yaml")
    # ProdBucket's IsProd is false with the default Env (dev): not created. IncludedBucket's properties
    # come from a macro: not judged.
    assert lines(document) == {"DevBucket": 41, "OpsBucket": 51, "Functions": 56, "Server": 79}
    assert document.notes == (
        f"{path}: OpsBucket may not be created: its condition ProdOrOps is decided at deployment "
        "(parameter Owner has no default)",
        f"{path}: IncludedBucket is not judged: its Properties are computed at deployment "
        "(Fn::Transform runs a macro)",
    )
    resources = by_address(document)
    # DevAndPublic is true with the defaults: created. ProdOrOps waits for Owner: it may not be.
    assert {address: resource.condition for address, resource in resources.items()} == {
        "DevBucket": None,
        "OpsBucket": Unknown("Conditions.ProdOrOps", "decided at deployment: parameter Owner has no default"),
        "Functions": None,
        "Server": None,
    }
    assert resources["DevBucket"].values == {
        "BucketName": "cw-dev-bucket",
        "AccessControl": "PublicRead",
        "Tags": [{"Key": "owner", "Value": Unknown("DevBucket.Tags[0].Value", NO_DEFAULT.format("Owner"))}],
    }
    assert resources["OpsBucket"].values == {
        "AccessControl": Unknown(
            "OpsBucket.AccessControl",
            "decided at deployment (condition OwnedByOps: parameter Owner has no default)",
        )
    }
    at = "Functions.Parameters."
    assert resources["Functions"].values["Parameters"] == {
        "Joined": "a,dev,30",
        "Selected": "443",
        "Ports": "80,443",
        "Encoded": "aGVsbG8=",
        "FirstZone": Unknown(at + "FirstZone", "chosen at deployment (Fn::GetAZs)"),
        "Imported": Unknown(at + "Imported", "imported from another stack (export shared-vpc-id)"),
        "FirstSubnet": Unknown(at + "FirstSubnet", "computed at deployment (Fn::Cidr)"),
        "Literal": "${NotAVariable}-dev",
        "Mapped": "cw-dev.amazonaws.com",
        "Region": Unknown(at + "Region", "chosen at deployment (AWS::Region)"),
        "Account": DEPLOYING_ACCOUNT,
        "Partition": "aws",
        "Stack": Unknown(at + "Stack", "chosen at deployment (AWS::StackName)"),
        "Retention": 30,
        "OwnerTag": Unknown(at + "OwnerTag", NO_DEFAULT.format("Owner")),
        "Public": "yes",
    }
    assert resources["Server"].values == {
        "ImageId": Unknown(
            "Server.ImageId", "chosen at deployment (parameter AmiId is read from Parameter Store)"
        ),
        "AvailabilityZone": Unknown("Server.AvailabilityZone", "chosen at deployment (Fn::GetAZs)"),
        "SecurityGroupIds": ["sg-0123456789abcdef0", "sg-0fedcba9876543210"],
        "UserData": "IyEvYmluL2Jhc2gKZWNobyByZWFkeQo=",
    }


def test_json_that_yaml_1_1_would_refuse() -> None:
    """Tabs between tokens and the `\\/` escape are JSON, not YAML 1.1: JSON is read as JSON."""
    text = '\t{\n\t"Resources": {\n\t\t"B": {"Type": "X", "Properties": {"U": "http:\\/\\/x"}}}}'
    document = parse_template(text, "t.json")
    assert [(r.address, r.location.line, r.values) for r in document.resources] == [
        ("B", 3, {"U": "http://x"})
    ]


def test_account_and_region_given() -> None:
    document = parse("conditions.yaml", account_id="111122223333", region="eu-west-1")
    parameters = by_address(document)["Functions"].values["Parameters"]
    assert (parameters["Account"], parameters["Region"]) == ("111122223333", "eu-west-1")
    assert {resource.region for resource in document.resources} == {"eu-west-1"}
    trail = parse("trail.yaml", account_id="111122223333")
    statement = by_address(trail)["TrailBucketPolicy"].values["PolicyDocument"]["Statement"][1]
    assert statement["Resource"] == "arn:aws:s3:::cw-trail-logs/AWSLogs/111122223333/*"


def test_trail() -> None:
    document = parse("trail.yaml")
    assert lines(document) == {"TrailBucket": 4, "TrailBucketPolicy": 11, "Trail": 33, "RegionalTrail": 46}
    resources = by_address(document)
    assert resources["Trail"].type == "AWS::CloudTrail::Trail"
    assert resources["Trail"].values == {
        "TrailName": "cw-main-trail",
        "S3BucketName": "cw-trail-logs",
        "IsLogging": True,
        "IsMultiRegionTrail": True,
        "IncludeGlobalServiceEvents": True,
        "EnableLogFileValidation": True,
        "EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": True}],
    }
    assert resources["RegionalTrail"].values == {
        "S3BucketName": "cw-logs-elsewhere",
        "IsLogging": False,
        "IsMultiRegionTrail": False,
    }
    statements = resources["TrailBucketPolicy"].values["PolicyDocument"]["Statement"]
    assert [statement["Resource"] for statement in statements] == [
        "arn:aws:s3:::cw-trail-logs",
        f"arn:aws:s3:::cw-trail-logs/AWSLogs/{DEPLOYING_ACCOUNT}/*",
    ]


def test_route53() -> None:
    document = parse("route53.yaml")
    assert lines(document) == {"Zone": 4, "WwwBucket": 8, "WwwRecord": 14, "AssetsRecord": 23}
    resources = by_address(document)
    assert resources["WwwRecord"].values == {
        "HostedZoneId": Ref("Zone", None, "WwwRecord.HostedZoneId", "known only at deployment (!Ref Zone)"),
        "Name": "www.example.com",
        "Type": "A",
        "AliasTarget": {"DNSName": "s3-website-us-east-1.amazonaws.com", "HostedZoneId": "Z3AQBSTGFYJSTF"},
    }
    assert resources["AssetsRecord"].values == {
        "HostedZoneName": "example.com.",
        "Name": "assets.example.com",
        "Type": "CNAME",
        "TTL": "300",
        "ResourceRecords": ["assets.example.com.s3-website-us-east-1.amazonaws.com"],
    }


def test_iam_users() -> None:
    document = parse("iam_users.yaml")
    assert lines(document) == {"ConsoleUser": 8, "ServiceUser": 15, "ConsoleUserKey": 19}
    resources = by_address(document)
    assert resources["ConsoleUser"].values == {
        "UserName": "alice",
        "LoginProfile": {
            "Password": Unknown("ConsoleUser.LoginProfile.Password", NO_DEFAULT.format("InitialPassword")),
            "PasswordResetRequired": True,
        },
    }
    assert resources["ServiceUser"].values == {"UserName": "deploy-bot"}
    assert resources["ConsoleUserKey"].values == {"UserName": "alice"}  # Ref of a user: its name


def test_transform_is_noted_and_not_expanded() -> None:
    document = parse("sam_transform.yaml")
    path = str(FIXTURES / "sam_transform.yaml")
    assert document.notes == (
        f"{path}: Transform AWS::Serverless-2016-10-31 is not expanded: the resources it would declare are "
        "not judged, the template's resources are judged as written",
    )
    assert [(r.address, r.type) for r in document.resources] == [
        ("Function", "AWS::Serverless::Function"),
        ("UploadsBucket", "AWS::S3::Bucket"),
        ("UploadsPolicy", "AWS::S3::BucketPolicy"),
    ]
    statement = by_address(document)["UploadsPolicy"].values["PolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {
        "AWS": Unknown(
            "UploadsPolicy.PolicyDocument.Statement[0].Principal.AWS",
            "known only at deployment (FunctionRole is not declared: the transform may declare it)",
        )
    }
    assert statement["Resource"] == "arn:aws:s3:::cw-uploads/*"


def test_the_pure_python_loader_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without libyaml, PyYAML's own parser builds the same documents."""
    expected = {name: parse(name) for name in ("s3_buckets.yaml", "security_groups.yaml", "conditions.yaml")}

    class PureLoader(yaml.SafeLoader):
        pass

    monkeypatch.setattr(cloudformation, "_Loader", PureLoader)
    for name, document in expected.items():
        assert parse(name) == document
    assert "nested too deeply" in error_of("a: " + "[" * 600 + "]" * 600)


# Intrinsic functions, one form at a time ------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (
            "!GetAtt Other.TopicName",
            Ref("Other", "TopicName", "Thing.V", "known only at deployment (!GetAtt Other.TopicName)"),
        ),
        (
            "!GetAtt [Other, TopicName]",
            Ref("Other", "TopicName", "Thing.V", "known only at deployment (!GetAtt Other.TopicName)"),
        ),
        (
            "{Fn::GetAtt: Other.TopicName}",
            Ref("Other", "TopicName", "Thing.V", "known only at deployment (!GetAtt Other.TopicName)"),
        ),
        ("!GetAtt Other.A.B", Ref("Other", "A.B", "Thing.V", "known only at deployment (!GetAtt Other.A.B)")),
        ("!GetAtt Named.Arn", "arn:aws:s3:::cw-named"),
        (
            "!GetAtt Named.DomainName",
            Ref("Named", "DomainName", "Thing.V", "known only at deployment (!GetAtt Named.DomainName)"),
        ),
        ("!Ref Other", Ref("Other", None, "Thing.V", "known only at deployment (!Ref Other)")),
        ("!Ref Named", "cw-named"),
        ("{Ref: Named}", "cw-named"),
        ("!Sub plain", "plain"),
        ("!Sub '${Named}-${AWS::Partition}-${!Kept}'", "cw-named-aws-${Kept}"),
        ("!Sub ['${A}/${B}', {A: x, B: !Ref Named}]", "x/cw-named"),
        ("!Sub ['${Named}', {Named: overridden}]", "overridden"),
        ("!Sub '${Other}'", Ref("Other", None, "Thing.V", "known only at deployment (!Ref Other)")),
        (
            "!Sub '${Other.TopicName}'",
            Ref("Other", "TopicName", "Thing.V", "known only at deployment (!GetAtt Other.TopicName)"),
        ),
        ("!Sub 'arn:${Other}'", Unknown("Thing.V", "known only at deployment (!Ref Other)")),
        ("!Sub '${Named.Arn}/*'", "arn:aws:s3:::cw-named/*"),
        ("!Join ['', [a, 1, true]]", "a1true"),
        ("!Join [',', !Split ['/', a/b/c]]", "a,b,c"),
        ("!Join ['-', [a, !Ref Other]]", Unknown("Thing.V", "known only at deployment (!Ref Other)")),
        ("!Join ['-', !GetAZs '']", Unknown("Thing.V", "chosen at deployment (Fn::GetAZs)")),
        ("!Select [1, [a, b, c]]", "b"),
        ("!Select ['0', [a, b]]", "a"),
        (
            "!Select [1, [a, !Ref Other]]",
            Ref("Other", None, "Thing.V", "known only at deployment (!Ref Other)"),
        ),
        ("!Select [0, !GetAZs '']", Unknown("Thing.V", "chosen at deployment (Fn::GetAZs)")),
        ("!Split [',', 'a,b']", ["a", "b"]),
        ("!Split [',', !Ref AWS::StackName]", Unknown("Thing.V", "chosen at deployment (AWS::StackName)")),
        ("!Base64 hi", "aGk="),
        ("!Base64 {Ref: AWS::StackId}", Unknown("Thing.V", "chosen at deployment (AWS::StackId)")),
        (
            "!ImportValue {Fn::Sub: '${AWS::StackName}-vpc'}",
            Unknown("Thing.V", "imported from another stack"),
        ),
        ("!Cidr [10.0.0.0/16, 2, 8]", Unknown("Thing.V", "computed at deployment (Fn::Cidr)")),
        (
            "!Transform {Name: AWS::Include}",
            Unknown("Thing.V", "computed at deployment (Fn::Transform runs a macro)"),
        ),
        (
            "{Fn::Length: [a, b]}",
            Unknown("Thing.V", "known only at deployment (Fn::Length is not evaluated)"),
        ),
        ("!Ref AWS::URLSuffix", "amazonaws.com"),
        ("!Ref AWS::NotificationARNs", Unknown("Thing.V", "chosen at deployment (AWS::NotificationARNs)")),
        ("!Equals [a, a]", True),
        ("!Not [!Equals [1, '1']]", False),
        ("{Ref: Other, Other: 1}", {"Ref": "Other", "Other": 1}),  # not a function: two keys
    ],
)
def test_intrinsic_function(expression: str, expected: Any) -> None:
    assert values(template(f"      V: {expression}\n")) == {"V": expected}


def test_no_value_removes_the_property_and_the_list_item() -> None:
    properties = (
        "      Gone: !Ref AWS::NoValue\n"
        "      List: [a, !Ref AWS::NoValue, !If [Always, !Ref AWS::NoValue, b], c]\n"
        "      Kept: !If [Always, kept, !Ref AWS::NoValue]\n"
    )
    head = "Conditions:\n  Always: !Equals [x, x]\n"
    assert values(template(properties, head)) == {"List": ["a", "c"], "Kept": "kept"}


@pytest.mark.parametrize(
    ("declaration", "expected"),
    [
        ("Type: CommaDelimitedList\n    Default: 'a, b ,c'", ["a", "b", "c"]),
        ("Type: List<Number>\n    Default: '80,443'", ["80", "443"]),
        ("Type: List<AWS::EC2::Subnet::Id>\n    Default: subnet-1", ["subnet-1"]),
        ("Type: Number\n    Default: 5", 5),
        ("Type: Number\n    Default: '5'", "5"),
        ("Type: String\n    Default: 80", "80"),
        ("Type: String\n    Default: true", "true"),
        ("Type: String\n    Default: ''", ""),
        ("Type: String", Unknown("Thing.V", NO_DEFAULT.format("P"))),
        (
            "Type: AWS::SSM::Parameter::Value<String>\n    Default: /cw/name",
            Unknown("Thing.V", "chosen at deployment (parameter P is read from Parameter Store)"),
        ),
    ],
)
def test_parameter(declaration: str, expected: Any) -> None:
    head = f"Parameters:\n  P:\n    {declaration}\n"
    assert values(template("      V: !Ref P\n", head)) == {"V": expected}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("!And [!Equals [a, b], !Equals [!Ref P, x]]", "no"),  # false whatever P is
        ("!And [!Equals [a, a], !Equals [!Ref P, x]]", "unknown"),
        ("!Or [!Equals [a, a], !Equals [!Ref P, x]]", "yes"),  # true whatever P is
        ("!Or [!Equals [a, b], !Equals [!Ref P, x]]", "unknown"),
        ("!Not [!Equals [!Ref P, x]]", "unknown"),
        ("!Not [!Equals [a, b]]", "yes"),
        ("!And [!Condition Always, !Not [!Condition Never]]", "yes"),
        ("!Equals [!Ref D, '3']", "yes"),  # a Number parameter compares as its string
        ("!Equals [!Ref Other, x]", "unknown"),
    ],
)
def test_condition_functions(condition: str, expected: str) -> None:
    head = (
        "Parameters:\n  P:\n    Type: String\n  D:\n    Type: Number\n    Default: 3\n"
        f"Conditions:\n  Always: !Equals [1, 1]\n  Never: !Equals [1, 2]\n  C: {condition}\n"
    )
    resolved = values(template("      V: !If [C, 'yes', 'no']\n", head))["V"]
    if expected == "unknown":
        assert isinstance(resolved, Unknown)
        assert resolved.attribute == "Thing.V"
        assert resolved.why.startswith("decided at deployment (condition C: ")
    else:
        assert resolved == expected


def test_condition_on_a_parameter_without_default_names_it() -> None:
    head = "Parameters:\n  Env:\n    Type: String\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\n"
    assert values(template("      V: !If [IsProd, a, b]\n", head)) == {
        "V": Unknown("Thing.V", "decided at deployment (condition IsProd: parameter Env has no default)")
    }


def test_a_resource_not_created_is_left_out_and_links_to_it_are_unknown() -> None:
    text = (
        "Conditions:\n  Never: !Equals [1, 2]\n"
        "Resources:\n"
        "  Gone:\n    Type: AWS::S3::Bucket\n    Condition: Never\n    Properties:\n      BucketName: gone\n"
        "  Thing:\n    Type: AWS::SNS::Topic\n    Properties:\n"
        "      R: !Ref Gone\n      A: !GetAtt Gone.Arn\n      I: !If [Never, !Ref Gone, kept]\n"
    )
    document = parse_template(text, "inline.yaml")
    assert [resource.address for resource in document.resources] == ["Thing"]
    why = "known only at deployment (Gone is not created: condition Never is false)"
    assert document.resources[0].values == {
        "R": Unknown("Thing.R", why),
        "A": Unknown("Thing.A", why),
        "I": "kept",
    }


def test_find_in_map() -> None:
    head = "Mappings:\n  M:\n    dev:\n      Cidrs: [10.0.0.0/8]\n      Port: 22\n"
    assert values(
        template("      V: !FindInMap [M, dev, Cidrs]\n      P: !FindInMap [M, dev, Port]\n", head)
    ) == {
        "V": ["10.0.0.0/8"],
        "P": 22,
    }
    fallback = "      V: !FindInMap [M, prod, Cidrs, {DefaultValue: none}]\n"
    assert values(template(fallback, head)) == {"V": "none"}
    unknown = "      V: !FindInMap [M, !Ref AWS::Region, Cidrs]\n"
    assert values(template(unknown, head)) == {"V": Unknown("Thing.V", "chosen at deployment (AWS::Region)")}
    assert "Fn::FindInMap: 'prod' is not in M" in error_of(
        template("      V: !FindInMap [M, prod, Cidrs]\n", head)
    )


def test_load_template_gives_the_long_form() -> None:
    text = (
        "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n"
        "      A: !GetAtt X.Arn\n      B: !Ref X\n      C: !Sub ['${a}', {a: !Condition C}]\n"
        "      D: !Select [0, !GetAZs '']\n      E: 2012-10-17\n      F: 0x1F\n      G: yes\n      H: ~\n"
    )
    assert load_template(text, "t.yaml")["Resources"]["B"]["Properties"] == {
        "A": {"Fn::GetAtt": ["X", "Arn"]},
        "B": {"Ref": "X"},
        "C": {"Fn::Sub": ["${a}", {"a": {"Condition": "C"}}]},
        "D": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
        "E": "2012-10-17",
        "F": 31,
        "G": True,
        "H": None,
    }


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"AWSTemplateFormatVersion": "2010-09-09"}, True),
        ({"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}, True),
        ({"Resources": {"B": {"Type": "AWS::S3::Bucket"}, "C": "broken"}}, True),
        ({"Resources": {"B": {"Properties": {}}}}, False),
        ({"Resources": {}}, False),
        ({"Resources": []}, False),
        ({"format_version": "1.2", "planned_values": {}}, False),
        (["Resources"], False),
        (None, False),
    ],
)
def test_looks_like_template(data: object, expected: bool) -> None:
    assert looks_like_template(data) is expected


# Malformed and hostile templates --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        (
            "alias.yaml",
            "line 4: a YAML alias (of the node at line 2): CloudFormation does not accept anchors",
        ),
        ("duplicate_key.yaml", "line 6: duplicate key 'BucketName' (first at line 5)"),
        ("duplicate_key.json", "line 4: duplicate key 'Bucket' (first at line 3)"),
        ("unknown_tag.yaml", "line 5: unknown tag !Env (not an intrinsic function of CloudFormation)"),
        ("not_a_mapping.yaml", "line 1: a template's top level must be a mapping of sections"),
        ("no_type.yaml", "line 3: resource Bucket has no Type"),
        (
            "dangling_ref.yaml",
            "line 2: Ref to 'MissingBucket', which is neither a parameter nor a resource of the template",
        ),
    ],
)
def test_malformed_fixture(name: str, problem: str) -> None:
    path = FIXTURES / "malformed" / name
    with pytest.raises(IacError) as raised:
        parse_template(path.read_text(encoding="utf-8"), str(path))
    assert raised.value.problem.startswith(problem)
    assert str(raised.value).startswith(f"{path}: line ")


def test_an_alias_of_aliases_is_refused_before_expansion() -> None:
    """A billion laughs: each level doubles the document; refused at the first alias."""
    levels = ["a0: &a0 [x, x]"] + [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, 40)]
    text = "\n".join(levels) + "\nResources: {}\n"
    assert error_of(text).startswith("line 2: a YAML alias (of the node at line 1)")


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 5000 + "]" * 5000,
        "a:\n" + "".join("  " * depth + "- \n" for depth in range(1, 1200)),
        '{"Resources": ' + "[" * 100_000 + "]" * 100_000 + "}",
        template("      V: " + "!Not [" * 600 + "x" + "]" * 600 + "\n"),
    ],
    ids=["yaml-flow", "yaml-block", "json", "functions"],
)
def test_nesting_too_deep(text: str) -> None:
    assert "nested too deeply to be read" in error_of(text)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{\n  "Resources": {\n    "B": \n  }\n}\n', "line 4: not valid JSON: Expecting value"),
        ("Resources:\n  B: [\n", "line 3: not valid YAML: "),
        ("Resources: {}\n---\nResources: {}\n", "line 2: not valid YAML: "),
        ("", "line 1: a template's top level must be a mapping of sections"),
        ("AWSTemplateFormatVersion: '2010-09-09'\n", "line 1: a template needs a Resources section"),
        (
            "title: release notes\n",
            "line 1: neither a Terraform plan in JSON (`terraform show -json PLAN`) nor",
        ),
        ("Resources: [a]\n", "line 1: a template needs a Resources section"),
        ("Resources:\n  B: text\n", "line 2: resource B is not a mapping"),
        ("Resources:\n  B:\n    Type: 7\n", "line 2: resource B has no Type"),
        (
            "Resources:\n  B:\n    Type: X\n    Properties: [a]\n",
            "line 2: the Properties of resource B are not a",
        ),
        (
            "Resources:\n  B:\n    Type: X\n    Properties:\n      V: !!binary aGk=\n",
            "line 5: the YAML tag tag:",
        ),
        (
            "Resources:\n  B:\n    Type: X\n    Properties:\n      ? [a]\n      : b\n",
            "line 5: a mapping key must",
        ),
        (
            "Resources:\n  B:\n    Type: X\n    Properties:\n      V: !GetAtt NoDot\n",
            "line 5: !GetAtt 'NoDot' is",
        ),
        ("Parameters:\n  P: {Default: x}\nResources: {}\n", "parameter P is not a mapping with a Type"),
        ('{"Resources": {"B": {"Type": "X", "Properties": {"V": 1' + "1" * 5000 + "}}}}", "not valid JSON: "),
        ("Resources:\n  B:\n    Type: X\n    Properties:\n      V: 1" + "1" * 5000 + "\n", "line 5: '111"),
        ('Resources:\n  B:\n    Type: X\n    Properties:\n      V: "\x00"\n', "not valid YAML: unacceptable"),
        (
            'Resources:\n  "":\n    Type: AWS::S3::Bucket\n',
            "line 2: resource '': a logical id must be alphanumeric (A-Za-z0-9)",
        ),
        (
            '{"Resources": {\n "": {"Type": "AWS::S3::Bucket"}}}',
            "line 2: resource '': a logical id must be alphanumeric (A-Za-z0-9)",
        ),
        (
            "Resources:\n  Site-Bucket:\n    Type: AWS::S3::Bucket\n",
            "line 2: resource 'Site-Bucket': a logical id must be alphanumeric (A-Za-z0-9)",
        ),
    ],
)
def test_malformed(text: str, problem: str) -> None:
    assert error_of(text).startswith(problem)


@pytest.mark.parametrize(
    ("properties", "problem"),
    [
        ("      V: !GetAtt Missing.Arn\n", "line 6: Fn::GetAtt to 'Missing', which is neither"),
        ("      V: !Sub '${Missing}'\n", "line 6: Fn::Sub to 'Missing', which is neither"),
        ("      V: !GetAtt P.Arn\n", "line 6: Fn::GetAtt to 'P', a parameter, not a resource"),
        ("      V: !Ref AWS::Nothing\n", "line 6: unknown pseudo parameter AWS::Nothing"),
        ("      V: !If [Missing, a, b]\n", "line 6: 'Missing' is not a condition of the template"),
        ("      V: !If [Loop, a, b]\n", "line 6: condition Loop depends on itself"),
        ("      V: !Select [5, [a]]\n", "line 6: Fn::Select index 5 is out of a list of 1"),
        ("      V: !Join [',']\n", "line 6: Fn::Join takes a list of 2 arguments"),
        ("      V: {Ref: [a]}\n", "line 6: Ref takes a name"),
    ],
)
def test_invalid_function(properties: str, problem: str) -> None:
    head = "Parameters:\n  P:\n    Type: String\nConditions:\n  Loop: !Condition Loop\n"
    assert error_of(template(properties, head)).startswith(problem.replace("line 6", "line 13"))


def test_a_name_that_depends_on_itself() -> None:
    text = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub '${B}-x'\n"
    assert error_of(text) == "line 2: the BucketName of B depends on itself"


# Size -----------------------------------------------------------------------------------------------


def large_yaml(pairs: int) -> str:
    """A YAML template of `pairs` buckets, each with a policy naming it in short forms."""
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Resources:"]
    for index in range(pairs):
        lines += [
            f"  Bucket{index}:",
            "    Type: AWS::S3::Bucket",
            f"  Policy{index}:",
            "    Type: AWS::S3::BucketPolicy",
            "    Properties:",
            f"      Bucket: !Ref Bucket{index}",
            "      PolicyDocument:",
            "        Statement:",
            "          - Effect: Allow",
            "            Principal: '*'",
            f"            Resource: !Sub '${{Bucket{index}.Arn}}/*'",
        ]
    return "\n".join(lines) + "\n"


def large_json(pairs: int) -> str:
    """The same template in JSON, long forms."""
    resources: dict[str, Any] = {}
    for index in range(pairs):
        resources[f"Bucket{index}"] = {"Type": "AWS::S3::Bucket"}
        resources[f"Policy{index}"] = {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": f"Bucket{index}"},
                "PolicyDocument": {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": "*",
                            "Resource": {"Fn::Sub": f"${{Bucket{index}.Arn}}/*"},
                        }
                    ]
                },
            },
        }
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}, indent=2)


@pytest.mark.parametrize(("make", "key"), [(large_yaml, "Policy2499:"), (large_json, '"Policy2499": {')])
def test_five_thousand_resources_parse_whole(make: Callable[[int], str], key: str) -> None:
    text = make(2500)
    document = parse_template(text, "large")
    assert len(document.resources) == 5000
    last = document.resources[-1]
    assert last.address == "Policy2499"
    assert last.location.line == [line.strip() for line in text.splitlines()].index(key) + 1
    assert last.values["Bucket"] == Ref(
        "Bucket2499", None, "Policy2499.Bucket", "known only at deployment (!Ref Bucket2499)"
    )
    assert last.values["PolicyDocument"]["Statement"][0]["Resource"] == Unknown(
        "Policy2499.PolicyDocument.Statement[0].Resource", "known only at deployment (!GetAtt Bucket2499.Arn)"
    )
