"""The one list of operations the scanner calls: the guard lets exactly these through, the printed
policy allows exactly their actions, and nothing that merely looks like a read gets past."""

from __future__ import annotations

import botocore.session
import pytest
from botocore.model import OperationModel

from cloudwarden.collect.operations import DECLARED_OPERATIONS, ENTRY_OPERATIONS
from cloudwarden.collect.session import REST_XML_ROOTS, ReadOnlyViolation, is_declared, refuse_undeclared
from cloudwarden.permissions import iam_action, required_actions
from cloudwarden.rules import RULES


@pytest.fixture(scope="module")
def every_operation() -> list[OperationModel]:
    """Every operation of every service model botocore ships (some 20,000; loading them takes ~10 s)."""
    session = botocore.session.get_session()
    models = [session.get_service_model(service) for service in session.get_available_services()]
    return [model.operation_model(name) for model in models for name in model.operation_names]


def _key(operation: OperationModel) -> str:
    return f"{operation.service_model.service_name}.{operation.name}"


def _let_through(operation: OperationModel) -> bool:
    try:
        refuse_undeclared(operation)
    except ReadOnlyViolation:
        return False
    return True


def test_of_every_operation_botocore_knows_the_guard_lets_through_exactly_the_declared_ones(
    every_operation: list[OperationModel],
) -> None:
    """Also proves each declared name is spelled as botocore spells it."""
    assert {
        _key(operation) for operation in every_operation if _let_through(operation)
    } == DECLARED_OPERATIONS


@pytest.mark.parametrize(
    ("service", "operation"),
    [
        ("sts", "GetSessionToken"),
        ("sts", "GetFederationToken"),
        ("secretsmanager", "GetRandomPassword"),
        ("secretsmanager", "GetSecretValue"),
        ("iot", "GetRegistrationCode"),
        ("kms", "GenerateDataKey"),
        ("kms", "GetParametersForImport"),
        ("ssm", "GetParameter"),
        ("s3", "CreateSession"),
        ("iam", "ListUsers"),
        ("iam", "CreateUser"),
        ("iam", "GenerateServiceLastAccessedDetails"),
        ("s3", "PutBucketPolicy"),
        ("cloudtrail", "StopLogging"),
        ("ec2", "AuthorizeSecurityGroupIngress"),
    ],
)
def test_operations_that_mint_credentials_read_secrets_or_change_state_are_refused(
    service: str, operation: str
) -> None:
    model = botocore.session.get_session().get_service_model(service).operation_model(operation)
    with pytest.raises(ReadOnlyViolation, match=f"refused to call {service}:{operation}:"):
        refuse_undeclared(model)


@pytest.mark.parametrize(
    ("service", "operation"),
    [
        ("iam", "generateCredentialReport"),  # names are exact
        ("sts", "GenerateCredentialReport"),  # and belong to their service
        ("s3control", "GetBucketPolicy"),
    ],
)
def test_a_declared_name_in_another_spelling_or_service_is_refused(service: str, operation: str) -> None:
    assert not is_declared(service, operation)


def test_operations_that_enter_other_accounts_are_allowed_but_not_in_the_accounts_policy() -> None:
    assert is_declared("sts", "AssumeRole")
    assert is_declared("organizations", "ListAccounts")
    assert not {iam_action(operation) for operation in ENTRY_OPERATIONS} & set(required_actions())


def test_the_policy_is_the_actions_of_the_declared_account_operations() -> None:
    """Written out: a declaration that adds an action to every auditor's policy is seen in review."""
    assert required_actions() == [
        "apigateway:GET",
        "cloudfront:ListDistributions",
        "cloudtrail:DescribeTrails",
        "cloudtrail:GetEventSelectors",
        "cloudtrail:GetTrailStatus",
        "ec2:DescribeAddresses",
        "ec2:DescribeManagedPrefixLists",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeRegions",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeVpcs",
        "ec2:GetManagedPrefixListEntries",
        "elasticbeanstalk:CheckDNSAvailability",
        "elasticbeanstalk:DescribeEnvironments",
        "elasticloadbalancing:DescribeLoadBalancers",
        "iam:GenerateCredentialReport",
        "iam:GetAccountSummary",
        "iam:GetCredentialReport",
        "iam:ListAccessKeys",
        "iam:ListVirtualMFADevices",
        "organizations:DescribeOrganization",
        "route53:GetHostedZone",
        "route53:ListHostedZones",
        "route53:ListResourceRecordSets",
        "s3:GetAccountPublicAccessBlock",
        "s3:GetBucketAcl",
        "s3:GetBucketLocation",
        "s3:GetBucketOwnershipControls",
        "s3:GetBucketPolicy",
        "s3:GetBucketPolicyStatus",
        "s3:GetBucketPublicAccessBlock",
        "s3:ListAllMyBuckets",
        "s3:ListBucket",
        "sts:GetCallerIdentity",
    ]


def test_every_declared_rest_xml_answer_that_is_a_document_has_its_root_listed() -> None:
    """The malformed-answer check knows the root element of each (botocore's models do not name it)."""
    session = botocore.session.get_session()
    documents = set()
    for key in DECLARED_OPERATIONS:
        service, _, name = key.partition(".")
        model = session.get_service_model(service)
        output = model.operation_model(name).output_shape
        if model.protocol != "rest-xml" or output is None:
            continue
        payload = output.serialization.get("payload")
        in_body = (
            output.members[payload].type_name == "structure"
            if payload
            else any("location" not in member.serialization for member in output.members.values())
        )
        if in_body:
            documents.add(key)
    assert documents == REST_XML_ROOTS.keys()


def test_every_rule_reads_only_actions_the_policy_allows() -> None:
    allowed = set(required_actions())
    assert {rule.id: set(rule.permissions) - allowed for rule in RULES} == {rule.id: set() for rule in RULES}
