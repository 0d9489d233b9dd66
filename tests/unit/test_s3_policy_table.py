"""Which bucket policies are public: a table of documented and real-world policies, judged one by one.

The reference is AWS's definition (S3 User Guide, "Blocking public access to your Amazon S3 storage",
"The meaning of 'public'"): a statement is public when it is an Allow to an open principal and no
condition fixes who or where the caller is. Each row's id is the reason for its verdict.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudwarden.semantics.s3_policy import PolicyAnalysis, analyze_policy

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"
OBJECTS = f"{BUCKET}/*"
TRAIL = f"arn:aws:cloudtrail:us-east-2:{ACCOUNT}:trail/management-events"
DISTRIBUTION = f"arn:aws:cloudfront::{ACCOUNT}:distribution/EDFDVBD6EXAMPLE"
ORG_ID = "o-a1b2c3d4e5"
VPCE = "vpce-1a2b3c4d"
KMS_KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
CANONICAL_USER = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"

ALL = ("read", "list", "write")


def allow(
    principal: Any = "*",
    action: Any = "s3:GetObject",
    condition: dict[str, Any] | None = None,
    *,
    resource: Any = OBJECTS,
    not_principal: bool = False,
    sid: str | None = None,
) -> dict[str, Any]:
    return _statement("Allow", principal, action, condition, resource, not_principal, sid)


def deny(
    principal: Any = "*",
    action: Any = "s3:*",
    condition: dict[str, Any] | None = None,
    *,
    resource: Any = (BUCKET, OBJECTS),
    not_principal: bool = False,
    sid: str | None = None,
) -> dict[str, Any]:
    return _statement("Deny", principal, action, condition, resource, not_principal, sid)


def _statement(
    effect: str,
    principal: Any,
    action: Any,
    condition: dict[str, Any] | None,
    resource: Any,
    not_principal: bool,
    sid: str | None,
) -> dict[str, Any]:
    statement: dict[str, Any] = {}
    if sid is not None:
        statement["Sid"] = sid
    statement["Effect"] = effect
    statement["NotPrincipal" if not_principal else "Principal"] = principal
    statement["Action"] = action
    statement["Resource"] = list(resource) if isinstance(resource, tuple) else resource
    if condition is not None:
        statement["Condition"] = condition
    return statement


def allow_not_action(not_action: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": "*", "NotAction": not_action, "Resource": [BUCKET, OBJECTS]}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def source_ip(*values: str, operator: str = "IpAddress") -> dict[str, Any]:
    return {operator: {"aws:SourceIp": list(values) if len(values) > 1 else values[0]}}


def row(
    reason: str,
    document: Any,
    expected_public: bool,
    public_at: tuple[int, ...] = (),
    capabilities: tuple[str, ...] | None = None,
) -> Any:
    """One table row: the policy, the verdict, and (public rows) which statements are public."""
    if expected_public != bool(public_at):
        raise ValueError(f"row {reason!r}: a public row names its public statements, others none")
    return pytest.param(document, expected_public, frozenset(public_at), capabilities, id=reason)


def analyze(document: Any) -> PolicyAnalysis:
    return analyze_policy(document if isinstance(document, str) else json.dumps(document))


TABLE = [
    # --- open principals, no condition -------------------------------------------------------------
    row("website-hosting-public-read", policy(allow(sid="PublicReadGetObject")), True, (0,), ("read",)),
    row("principal-aws-star", policy(allow({"AWS": "*"})), True, (0,), ("read",)),
    row(
        "principal-aws-list-containing-star",
        policy(allow({"AWS": [f"arn:aws:iam::{ACCOUNT}:root", "*"]})),
        True,
        (0,),
    ),
    row("principal-aws-list-of-only-star", policy(allow({"AWS": ["*"]})), True, (0,)),
    row(
        "principal-iam-star-root-is-every-account", policy(allow({"AWS": "arn:aws:iam::*:root"})), True, (0,)
    ),
    row("principal-star-with-spaces", policy(allow(" * ")), True, (0,)),
    row("action-s3-star-grants-read-list-write", policy(allow(action="s3:*")), True, (0,), ALL),
    row("action-star-grants-everything", policy(allow(action="*")), True, (0,), ALL),
    row(
        "action-list-bucket-only",
        policy(allow(action="s3:ListBucket", resource=BUCKET)),
        True,
        (0,),
        ("list",),
    ),
    row("action-put-object-public-write", policy(allow(action="s3:PutObject")), True, (0,), ("write",)),
    row(
        "action-put-bucket-policy-is-write",
        policy(allow(action="s3:PutBucketPolicy", resource=BUCKET)),
        True,
        (0,),
        ("write",),
    ),
    row(
        "action-list-of-get-and-list",
        policy(allow(action=["s3:GetObject", "s3:ListBucket"], resource=[BUCKET, OBJECTS])),
        True,
        (0,),
        ("read", "list"),
    ),
    row("action-wildcard-get-star-is-read", policy(allow(action="s3:Get*")), True, (0,), ("read",)),
    row("action-question-mark-wildcard", policy(allow(action="s3:?etObject")), True, (0,), ("read",)),
    row("action-case-insensitive", policy(allow(action="S3:GETOBJECT")), True, (0,), ("read",)),
    row("action-delete-object-is-write", policy(allow(action="s3:DeleteObject")), True, (0,), ("write",)),
    row(
        "notaction-allow-grants-what-is-not-excluded", policy(allow_not_action("s3:Delete*")), True, (0,), ALL
    ),
    row(
        "notaction-excluding-get-and-put-leaves-list",
        policy(allow_not_action(["s3:Get*", "s3:Put*", "s3:Delete*"])),
        True,
        (0,),
        ("list",),
    ),
    row("notaction-s3-star-public-without-s3-capability", policy(allow_not_action("s3:*")), True, (0,), ()),
    row(
        "notprincipal-with-allow-is-everyone-else",
        policy(allow({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, not_principal=True)),
        True,
        (0,),
    ),
    row("any-principal-kind-star", policy(allow({"Service": "*"})), True, (0,)),
    # --- web identity federation: anyone who signs in at the provider ------------------------------
    row(
        "federated-cognito-web-identity",
        policy(allow({"Federated": "cognito-identity.amazonaws.com"})),
        True,
        (0,),
    ),
    row("federated-google-web-identity", policy(allow({"Federated": "accounts.google.com"})), True, (0,)),
    row("federated-facebook-web-identity", policy(allow({"Federated": "graph.facebook.com"})), True, (0,)),
    row("federated-login-with-amazon", policy(allow({"Federated": "www.amazon.com"})), True, (0,)),
    row(
        "federated-saml-provider-arn-is-fixed",
        policy(allow({"Federated": f"arn:aws:iam::{ACCOUNT}:saml-provider/ExampleOkta"})),
        False,
    ),
    row(
        "federated-web-identity-limited-by-source-vpce",
        policy(
            allow(
                {"Federated": "cognito-identity.amazonaws.com"},
                condition={"StringEquals": {"aws:SourceVpce": VPCE}},
            )
        ),
        False,
    ),
    # --- fixed principals: never public, whatever the conditions ----------------------------------
    row("fixed-account-id", policy(allow({"AWS": ACCOUNT}, action="s3:*")), False),
    row(
        "fixed-account-root-arn", policy(allow({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, action="s3:*")), False
    ),
    row(
        "fixed-role-arn-list",
        policy(
            allow({"AWS": [f"arn:aws:iam::{ACCOUNT}:role/reader", f"arn:aws:iam::{OTHER_ACCOUNT}:user/bob"]})
        ),
        False,
    ),
    row("fixed-canonical-user", policy(allow({"CanonicalUser": CANONICAL_USER})), False),
    row(
        "fixed-principal-with-only-broad-conditions",
        policy(
            allow(
                {"AWS": ACCOUNT},
                condition={"Bool": {"aws:SecureTransport": "true"}, **source_ip("0.0.0.0/0")},
            )
        ),
        False,
    ),
    row(
        "cloudfront-oai-user-is-fixed",
        policy(
            allow({"AWS": "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL"})
        ),
        False,
    ),
    row(
        "cloudfront-oac-service-principal-with-source-arn",
        policy(
            allow(
                {"Service": "cloudfront.amazonaws.com"},
                condition={"StringEquals": {"AWS:SourceArn": DISTRIBUTION}},
                sid="AllowCloudFrontServicePrincipalReadOnly",
            )
        ),
        False,
    ),
    row(
        "cloudtrail-log-delivery-service-principal",
        policy(
            allow(
                {"Service": "cloudtrail.amazonaws.com"},
                "s3:GetBucketAcl",
                {"StringEquals": {"aws:SourceArn": TRAIL}},
                resource=BUCKET,
                sid="AWSCloudTrailAclCheck20150319",
            ),
            allow(
                {"Service": "cloudtrail.amazonaws.com"},
                "s3:PutObject",
                {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": TRAIL}},
                resource=f"{BUCKET}/AWSLogs/{ACCOUNT}/*",
                sid="AWSCloudTrailWrite20150319",
            ),
        ),
        False,
    ),
    row(
        "elb-access-logs-regional-account",
        policy(
            allow(
                {"AWS": "arn:aws:iam::127311923021:root"},
                "s3:PutObject",
                resource=f"{BUCKET}/AWSLogs/{ACCOUNT}/*",
            )
        ),
        False,
    ),
    row(
        "server-access-logging-service-with-source-account",
        policy(
            allow(
                {"Service": "logging.s3.amazonaws.com"},
                "s3:PutObject",
                {
                    "ArnLike": {"aws:SourceArn": "arn:aws:s3:::amzn-s3-demo-source-*"},
                    "StringEquals": {"aws:SourceAccount": ACCOUNT},
                },
            )
        ),
        False,
    ),
    # --- open principal limited by a fixed condition ----------------------------------------------
    row(
        "open-principal-with-fixed-cloudfront-source-arn",
        policy(allow(condition={"StringEquals": {"aws:SourceArn": DISTRIBUTION}})),
        False,
    ),
    row(
        "open-principal-arnequals-source-arn",
        policy(allow(condition={"ArnEquals": {"aws:SourceArn": DISTRIBUTION}})),
        False,
    ),
    row(
        "arnlike-without-wildcard-is-fixed",
        policy(allow(condition={"ArnLike": {"aws:SourceArn": DISTRIBUTION}})),
        False,
    ),
    row(
        "source-arn-wildcard-distribution-is-public",
        policy(
            allow(condition={"ArnLike": {"aws:SourceArn": f"arn:aws:cloudfront::{ACCOUNT}:distribution/*"}})
        ),
        True,
        (0,),
    ),
    row(
        "open-principal-with-fixed-source-account",
        policy(allow(action="s3:PutObject", condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}})),
        False,
    ),
    row(
        "source-account-star-is-public",
        policy(allow(condition={"StringLike": {"aws:SourceAccount": "*"}})),
        True,
        (0,),
    ),
    row(
        "source-owner-fixed",
        policy(allow(condition={"StringEquals": {"aws:SourceOwner": ACCOUNT}})),
        False,
    ),
    row(
        "vpc-endpoint-restriction",
        policy(allow(action="s3:*", condition={"StringEquals": {"aws:SourceVpce": VPCE}})),
        False,
    ),
    row(
        "vpc-restriction", policy(allow(condition={"StringEquals": {"aws:SourceVpc": "vpc-111bbb22"}})), False
    ),
    row(
        "vpce-string-equals-ignore-case",
        policy(allow(condition={"StringEqualsIgnoreCase": {"aws:SourceVpce": VPCE}})),
        False,
    ),
    row(
        "vpce-list-of-fixed-values",
        policy(allow(condition={"StringEquals": {"aws:SourceVpce": [VPCE, "vpce-0f1e2d3c"]}})),
        False,
    ),
    row(
        "vpce-list-with-one-star-value-is-public",
        policy(allow(condition={"StringLike": {"aws:SourceVpce": [VPCE, "*"]}})),
        True,
        (0,),
    ),
    row(
        "vpce-question-mark-wildcard-is-public",
        policy(allow(condition={"StringLike": {"aws:SourceVpce": "vpce-1a2b3c4?"}})),
        True,
        (0,),
    ),
    row(
        "vpce-string-not-equals-allow-is-public",
        policy(allow(condition={"StringNotEquals": {"aws:SourceVpce": VPCE}})),
        True,
        (0,),
    ),
    row(
        "vpce-if-exists-true-when-key-absent",
        policy(allow(condition={"StringEqualsIfExists": {"aws:SourceVpce": VPCE}})),
        True,
        (0,),
    ),
    row(
        "vpce-for-all-values-true-when-key-absent",
        policy(allow(condition={"ForAllValues:StringEquals": {"aws:SourceVpce": VPCE}})),
        True,
        (0,),
    ),
    row(
        "vpce-for-any-value-behaves-as-string-equals",
        policy(allow(condition={"ForAnyValue:StringEquals": {"aws:SourceVpce": VPCE}})),
        False,
    ),
    row(
        "vpce-null-check-only-is-public",
        policy(allow(condition={"Null": {"aws:SourceVpce": "false"}})),
        True,
        (0,),
    ),
    row(
        "org-restriction-principal-org-id",
        policy(allow(condition={"StringEquals": {"aws:PrincipalOrgID": ORG_ID}})),
        False,
    ),
    row(
        "org-id-wildcard-is-public",
        policy(allow(condition={"StringLike": {"aws:PrincipalOrgID": "o-*"}})),
        True,
        (0,),
    ),
    row(
        "org-id-list-with-one-star-is-public",
        policy(allow(condition={"StringLike": {"aws:PrincipalOrgID": [ORG_ID, "*"]}})),
        True,
        (0,),
    ),
    row(
        "principal-account-fixed",
        policy(allow(condition={"StringEquals": {"aws:PrincipalAccount": ACCOUNT}})),
        False,
    ),
    row(
        "principal-arn-fixed",
        policy(allow(condition={"ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/reader"}})),
        False,
    ),
    row(
        "principal-arn-any-account-is-public",
        policy(allow(condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/reader"}})),
        True,
        (0,),
    ),
    row(
        "policy-variable-username-is-public",
        policy(
            allow(
                condition={
                    "StringLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"}
                }
            )
        ),
        True,
        (0,),
    ),
    row(
        "policy-variable-as-source-account-is-public",
        policy(allow(condition={"StringEquals": {"aws:SourceAccount": "${aws:PrincipalAccount}"}})),
        True,
        (0,),
    ),
    row(
        "userid-fixed",
        policy(allow(condition={"StringEquals": {"aws:userid": "AIDACKCEVSQ6C2EXAMPLE"}})),
        False,
    ),
    row(
        "userid-aroleid-star-form-is-public",
        policy(allow(condition={"StringLike": {"aws:userid": "AROAEXAMPLEID:*"}})),
        True,
        (0,),
    ),
    row(
        "kms-key-id-fixed",
        policy(
            allow(
                action="s3:PutObject",
                condition={"StringEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": KMS_KEY}},
            )
        ),
        False,
    ),
    row(
        "kms-key-id-wildcard-is-public",
        policy(
            allow(
                action="s3:PutObject",
                condition={"StringLike": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:*"}},
            )
        ),
        True,
        (0,),
        ("write",),
    ),
    row(
        "access-point-arn-wildcard-in-name-only",
        policy(
            allow(
                action="s3:*",
                condition={
                    "StringLike": {"s3:DataAccessPointArn": f"arn:aws:s3:us-west-2:{ACCOUNT}:accesspoint/*"}
                },
            )
        ),
        False,
    ),
    row(
        "access-point-arn-wildcard-account-is-public",
        policy(
            allow(condition={"StringLike": {"s3:DataAccessPointArn": "arn:aws:s3:us-west-2:*:accesspoint/*"}})
        ),
        True,
        (0,),
    ),
    row(
        "access-point-arn-fixed",
        policy(
            allow(
                condition={
                    "StringEquals": {
                        "s3:DataAccessPointArn": f"arn:aws:s3:us-west-2:{ACCOUNT}:accesspoint/reports"
                    }
                }
            )
        ),
        False,
    ),
    row(
        "access-point-account-delegation",
        policy(allow(action="*", condition={"StringEquals": {"s3:DataAccessPointAccount": ACCOUNT}})),
        False,
    ),
    # --- aws:SourceIp: IPv4 /8 or narrower or private, IPv6 /32 or narrower ------------------------
    row("ip-allow-list-ipv4-slash-24", policy(allow(condition=source_ip("192.0.2.0/24"))), False),
    row("ip-single-address-without-prefix", policy(allow(condition=source_ip("203.0.113.7"))), False),
    row(
        "ip-doc-example-allow-range-except-one-address",
        policy(
            allow(
                action="s3:*",
                condition={
                    "IpAddress": {"aws:SourceIp": "54.240.143.0/24"},
                    "NotIpAddress": {"aws:SourceIp": "54.240.143.188/32"},
                },
            )
        ),
        False,
    ),
    row("ip-private-ten-slash-8", policy(allow(condition=source_ip("10.0.0.0/8"))), False),
    row("ip-private-172-16-slash-12", policy(allow(condition=source_ip("172.16.0.0/12"))), False),
    row("ip-private-192-168-slash-16", policy(allow(condition=source_ip("192.168.0.0/16"))), False),
    row("ip-public-slash-8-is-narrow-enough", policy(allow(condition=source_ip("44.0.0.0/8"))), False),
    row("ip-public-slash-9", policy(allow(condition=source_ip("44.128.0.0/9"))), False),
    row("ip-public-slash-7-is-public", policy(allow(condition=source_ip("44.0.0.0/7"))), True, (0,)),
    row("ip-ten-slash-7-is-no-longer-private", policy(allow(condition=source_ip("10.0.0.0/7"))), True, (0,)),
    row("ip-half-the-internet-slash-1", policy(allow(condition=source_ip("0.0.0.0/1"))), True, (0,)),
    row("ip-everything-ipv4", policy(allow(condition=source_ip("0.0.0.0/0"))), True, (0,)),
    row("ip-ipv6-slash-32", policy(allow(condition=source_ip("2600:1f18::/32"))), False),
    row("ip-ipv6-slash-48", policy(allow(condition=source_ip("2600:1f18:1234::/48"))), False),
    row("ip-ipv6-slash-31-is-public", policy(allow(condition=source_ip("2600:1f18::/31"))), True, (0,)),
    row("ip-ipv6-everything", policy(allow(condition=source_ip("::/0"))), True, (0,)),
    # IPv6 limits only at /32 or narrower; Python's `is_private` must not widen that (fc00::/7 is a /7,
    # 2001::/23 holds the Teredo prefix 2001::/32 that any Internet host can tunnel from).
    row(
        "ip-ipv6-unique-local-slash-7-wider-than-slash-32-is-public",
        policy(allow(condition=source_ip("fc00::/7"))),
        True,
        (0,),
    ),
    row(
        "ip-ipv6-slash-23-containing-teredo-is-public",
        policy(allow(condition=source_ip("2001::/23"))),
        True,
        (0,),
    ),
    row(
        "ip-doc-example-ipv4-and-ipv6-lists",
        policy(allow(condition=source_ip("54.240.143.0/24", "2001:DB8:1234:5678::/64"))),
        False,
    ),
    row(
        "ip-list-with-one-broad-range-is-public",
        policy(allow(condition=source_ip("192.0.2.0/24", "0.0.0.0/0"))),
        True,
        (0,),
    ),
    row(
        "ip-not-ip-address-only-is-public",
        policy(allow(condition=source_ip("192.0.2.0/24", operator="NotIpAddress"))),
        True,
        (0,),
    ),
    row(
        "ip-if-exists-is-public",
        policy(allow(condition=source_ip("192.0.2.0/24", operator="IpAddressIfExists"))),
        True,
        (0,),
    ),
    row(
        "ip-for-any-value-ip-address-limits",
        policy(allow(condition=source_ip("192.0.2.0/24", operator="ForAnyValue:IpAddress"))),
        False,
    ),
    row(
        "ip-string-equals-is-the-wrong-operator",
        policy(allow(condition=source_ip("192.0.2.1", operator="StringEquals"))),
        True,
        (0,),
    ),
    row("ip-value-star-is-public", policy(allow(condition=source_ip("*"))), True, (0,)),
    row(
        "ip-value-not-an-address-is-public", policy(allow(condition=source_ip("office-network"))), True, (0,)
    ),
    # --- conditions that never limit who calls ----------------------------------------------------
    row(
        "secure-transport-only-is-public",
        policy(allow(condition={"Bool": {"aws:SecureTransport": "true"}})),
        True,
        (0,),
    ),
    row(
        "referer-restriction-is-public",
        policy(
            allow(
                condition={
                    "StringLike": {"aws:Referer": ["http://www.example.com/*", "http://example.com/*"]}
                },
                sid="Allow-get-requests-originating-from-www.example.com-and-example.com",
            )
        ),
        True,
        (0,),
    ),
    row(
        "user-agent-only-is-public",
        policy(allow(condition={"StringEquals": {"aws:UserAgent": "curl/8.0"}})),
        True,
        (0,),
    ),
    row(
        "prefix-only-is-public",
        policy(
            allow(
                action="s3:ListBucket",
                resource=BUCKET,
                condition={"StringEquals": {"s3:prefix": ["", "public/"]}},
            )
        ),
        True,
        (0,),
        ("list",),
    ),
    row("empty-condition-is-public", policy(allow(condition={})), True, (0,)),
    row("empty-operator-block-is-public", policy(allow(condition={"StringEquals": {}})), True, (0,)),
    row(
        "negated-arn-not-like-is-public",
        policy(allow(condition={"ArnNotLike": {"aws:SourceArn": DISTRIBUTION}})),
        True,
        (0,),
    ),
    # --- conditions are ANDed: one limiting key suffices --------------------------------------------
    row(
        "anded-secure-transport-and-vpce-limits",
        policy(
            allow(
                condition={"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"aws:SourceVpce": VPCE}}
            )
        ),
        False,
    ),
    row(
        "anded-referer-and-open-ip-is-public",
        policy(
            allow(
                condition={"StringLike": {"aws:Referer": "https://example.com/*"}, **source_ip("0.0.0.0/0")}
            )
        ),
        True,
        (0,),
    ),
    row(
        "anded-fixed-vpce-and-wildcard-source-arn-limits",
        policy(
            allow(condition={"StringEquals": {"aws:SourceVpce": VPCE}, "StringLike": {"aws:SourceArn": "*"}})
        ),
        False,
    ),
    row(
        "anded-keys-in-one-operator-block-one-fixed",
        policy(allow(condition={"StringLike": {"aws:Referer": "*", "aws:SourceAccount": ACCOUNT}})),
        False,
    ),
    row(
        "anded-if-exists-and-narrow-ip-limits",
        policy(
            allow(condition={"StringEqualsIfExists": {"aws:SourceVpce": VPCE}, **source_ip("10.1.0.0/16")})
        ),
        False,
    ),
    row(
        "notprincipal-allow-limited-by-org",
        policy(
            allow(
                {"AWS": f"arn:aws:iam::{ACCOUNT}:role/admin"},
                condition={"StringEquals": {"aws:PrincipalOrgID": ORG_ID}},
                not_principal=True,
            )
        ),
        False,
    ),
    # --- Deny never makes a policy public, and never offsets a public Allow ------------------------
    row(
        "deny-only-insecure-transport",
        policy(deny(condition={"Bool": {"aws:SecureTransport": "false"}}, sid="DenyInsecureTransport")),
        False,
    ),
    row(
        "deny-only-outside-vpce",
        policy(
            deny(condition={"StringNotEquals": {"aws:SourceVpce": VPCE}}, sid="Access-to-specific-VPCE-only")
        ),
        False,
    ),
    row("deny-everyone-unconditionally", policy(deny()), False),
    row(
        "notprincipal-with-deny-is-not-public",
        policy(
            deny(
                {"AWS": [f"arn:aws:iam::{ACCOUNT}:role/admin", f"arn:aws:iam::{ACCOUNT}:root"]},
                not_principal=True,
            )
        ),
        False,
    ),
    row(
        "public-allow-not-offset-by-deny-everyone",
        policy(allow(), deny(action="s3:GetObject", resource=OBJECTS)),
        True,
        (0,),
        ("read",),
    ),
    row(
        "public-allow-after-deny-insecure-transport",
        policy(
            deny(condition={"Bool": {"aws:SecureTransport": "false"}}),
            allow(action=["s3:GetObject", "s3:PutObject"]),
        ),
        True,
        (1,),
        ("read", "write"),
    ),
    row(
        "fixed-allow-and-deny-outside-ip",
        policy(
            allow({"AWS": ACCOUNT}, "s3:*"),
            deny(condition=source_ip("192.0.2.0/24", operator="NotIpAddress")),
        ),
        False,
    ),
    row(
        "two-statements-second-public",
        policy(
            allow({"AWS": ACCOUNT}, "s3:*"),
            allow(action="s3:ListBucket", resource=BUCKET),
        ),
        True,
        (1,),
        ("list",),
    ),
    row(
        "two-public-statements",
        policy(
            allow(),
            allow(action="s3:PutObject"),
            allow(condition={"StringEquals": {"aws:SourceVpce": VPCE}}, action="s3:*"),
        ),
        True,
        (0, 1),
        ("read", "write"),
    ),
    # --- every shape a stored policy can take ---------------------------------------------------------
    row(
        "statement-as-single-object",
        {"Version": "2012-10-17", "Statement": allow()},
        True,
        (0,),
        ("read",),
    ),
    row(
        "lower-case-element-names",
        {
            "version": "2012-10-17",
            "statement": [{"effect": "allow", "principal": "*", "action": "s3:GetObject"}],
        },
        True,
        (0,),
        ("read",),
    ),
    row(
        "upper-case-element-names-and-effect",
        {
            "VERSION": "2012-10-17",
            "STATEMENT": {"EFFECT": "ALLOW", "PRINCIPAL": {"aws": "*"}, "ACTION": ["S3:LISTBUCKET"]},
        },
        True,
        (0,),
        ("list",),
    ),
    row(
        "odd-case-condition-operator-and-key-still-limit",
        policy(allow(condition={"stringEQUALS": {"AWS:SOURCEVPCE": VPCE}})),
        False,
    ),
    row(
        "odd-case-if-exists-suffix",
        policy(allow(condition={"stringequalsifexists": {"aws:sourcevpce": VPCE}})),
        True,
        (0,),
    ),
    row(
        "unknown-keys-are-ignored",
        {
            "Version": "2012-10-17",
            "Id": "PolicyForPublicWebsite",
            "Comment": "managed elsewhere",
            "Statement": [{**allow(), "Description": "public assets", "X-Extra": {"nested": [1, 2]}}],
        },
        True,
        (0,),
    ),
    row("no-version-element", {"Statement": [allow()]}, True, (0,)),
    row(
        "principal-as-string-and-action-as-list",
        policy(allow("*", ["s3:GetObject"])),
        True,
        (0,),
        ("read",),
    ),
    row(
        "condition-value-as-string-vs-list",
        policy(
            allow(condition={"StringEquals": {"aws:SourceVpce": VPCE}}),
            allow(condition={"StringEquals": {"aws:SourceVpce": [VPCE]}}),
        ),
        False,
    ),
    row(
        "numeric-account-values",
        policy(
            allow({"AWS": 111122223333}),
            allow(condition={"StringEquals": {"aws:SourceAccount": 111122223333}}),
        ),
        False,
    ),
    # --- condition keys with an empty set of values: never a limit (see the module's docstring) ---------
    row(
        "empty-source-account-list-limits-nothing",
        policy(allow(condition={"StringEquals": {"aws:SourceAccount": []}})),
        True,
        (0,),
    ),
    row(
        "empty-source-ip-list-limits-nothing",
        policy(allow(condition={"IpAddress": {"aws:SourceIp": []}})),
        True,
        (0,),
    ),
    row(
        "empty-principal-org-list-limits-nothing",
        policy(allow(condition={"StringEquals": {"aws:PrincipalOrgID": []}})),
        True,
        (0,),
    ),
    row(
        "empty-vpce-list-for-any-value-limits-nothing",
        policy(allow(condition={"ForAnyValue:StringEquals": {"aws:SourceVpce": []}})),
        True,
        (0,),
    ),
    row(
        "empty-string-in-a-source-account-list-limits-nothing",
        policy(allow(condition={"StringEquals": {"aws:SourceAccount": [""]}})),
        True,
        (0,),
    ),
    row(
        "empty-list-beside-a-limiting-key-of-the-same-operator-limits",
        policy(allow(condition={"StringEquals": {"aws:SourceAccount": [], "aws:SourceVpce": VPCE}})),
        False,
    ),
    row(
        "empty-list-beside-a-limiting-operator-limits",
        policy(allow(condition={"StringEquals": {"aws:SourceAccount": []}, **source_ip("192.0.2.0/24")})),
        False,
    ),
    row(
        "empty-list-with-a-fixed-principal-is-not-public",
        policy(allow({"AWS": ACCOUNT}, condition={"StringEquals": {"aws:SourceAccount": []}})),
        False,
    ),
    row(
        "empty-list-in-a-deny-does-not-offset-an-open-allow",
        policy(allow(), deny(condition={"StringNotEquals": {"aws:SourceVpce": []}})),
        True,
        (0,),
    ),
    # --- principals and values of other partitions (aws-cn, aws-us-gov...) ------------------------------
    row(
        "principal-every-china-account-is-open",
        policy(allow({"AWS": "arn:aws-cn:iam::*:root"})),
        True,
        (0,),
    ),
    row(
        "principal-every-govcloud-account-is-open",
        policy(allow({"AWS": "arn:aws-us-gov:iam::*:root"})),
        True,
        (0,),
    ),
    row(
        "principal-every-iso-b-account-is-open",
        policy(allow({"AWS": "arn:aws-iso-b:iam::*:root"})),
        True,
        (0,),
    ),
    row(
        "principal-every-china-account-in-upper-case-is-open",
        policy(allow({"AWS": "arn:AWS-CN:iam::*:root"})),
        True,
        (0,),
    ),
    row(
        "principal-one-china-account-is-fixed",
        policy(allow({"AWS": f"arn:aws-cn:iam::{ACCOUNT}:root"})),
        False,
    ),
    row(
        "principal-one-govcloud-role-is-fixed",
        policy(allow({"AWS": f"arn:aws-us-gov:iam::{OTHER_ACCOUNT}:role/auditor"})),
        False,
    ),
    row(
        "principal-list-of-one-china-account-and-every-govcloud-account-is-open",
        policy(allow({"AWS": [f"arn:aws-cn:iam::{ACCOUNT}:root", "arn:aws-us-gov:iam::*:root"]})),
        True,
        (0,),
    ),
    row(
        "principal-every-china-account-limited-by-principal-account",
        policy(
            allow(
                {"AWS": "arn:aws-cn:iam::*:root"},
                condition={"StringEquals": {"aws:PrincipalAccount": ACCOUNT}},
            )
        ),
        False,
    ),
    row(
        "condition-principal-arn-of-another-partition-limits",
        policy(
            allow(condition={"ArnEquals": {"aws:PrincipalArn": f"arn:aws-cn:iam::{ACCOUNT}:role/reader"}})
        ),
        False,
    ),
    row(
        "condition-source-arn-of-another-partition-with-wildcards-is-public",
        policy(allow(condition={"ArnLike": {"aws:SourceArn": "arn:aws-us-gov:cloudtrail:*:*:trail/*"}})),
        True,
        (0,),
    ),
    row(
        "condition-access-point-of-another-partition-limits",
        policy(
            allow(
                condition={
                    "StringEquals": {
                        "s3:DataAccessPointArn": f"arn:aws-cn:s3:cn-north-1:{ACCOUNT}:accesspoint/reader"
                    }
                }
            )
        ),
        False,
    ),
]


@pytest.mark.parametrize(("document", "expected_public", "public_at", "capabilities"), TABLE)
def test_documented_policy(
    document: Any,
    expected_public: bool,
    public_at: frozenset[int],
    capabilities: tuple[str, ...] | None,
) -> None:
    analysis = analyze(document)

    assert analysis.error is None
    assert analysis.is_public is expected_public
    assert {statement.index for statement in analysis.public_statements} == public_at
    for statement in analysis.public_statements:
        assert statement.limited_by is None
        assert statement.why_not_limited
    if capabilities is not None:
        assert analysis.capabilities == capabilities


def test_table_is_large_and_mixed() -> None:
    verdicts = [parameter.values[1] for parameter in TABLE]
    assert len(TABLE) >= 60
    assert verdicts.count(True) >= 20
    assert verdicts.count(False) >= 20
    assert len({parameter.id for parameter in TABLE}) == len(TABLE)


# --- what the analysis says about each statement ----------------------------------------------------------


def test_public_statement_is_described() -> None:
    analysis = analyze(policy(allow(sid="PublicReadGetObject")))

    (statement,) = analysis.open_statements
    assert statement.index == 0
    assert statement.sid == "PublicReadGetObject"
    assert "*" in statement.principal
    assert statement.capabilities == ("read",)
    assert statement.limited_by is None
    assert statement.why_not_limited


def test_each_failed_condition_has_a_reason() -> None:
    condition = {
        "Bool": {"aws:SecureTransport": "true"},
        "StringLike": {"aws:Referer": "https://example.com/*"},
        "StringEqualsIfExists": {"aws:SourceVpce": VPCE},
    }
    (statement,) = analyze(policy(allow(condition=condition))).public_statements

    assert len(statement.why_not_limited) == 3
    for key in ("aws:SecureTransport", "aws:Referer", "aws:SourceVpce"):
        assert sum(key in reason for reason in statement.why_not_limited) == 1


def test_limited_open_statement_names_its_limit() -> None:
    condition = {"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"aws:SourceVpce": VPCE}}
    analysis = analyze(policy(allow(condition=condition, sid="ViaEndpoint")))

    assert not analysis.is_public
    (statement,) = analysis.open_statements
    assert statement.sid == "ViaEndpoint"
    assert statement.limited_by is not None
    assert "aws:SourceVpce" in statement.limited_by
    assert statement.why_not_limited == ()
    assert analysis.public_statements == ()
    assert analysis.capabilities == ()


def test_fixed_principal_is_not_an_open_statement() -> None:
    analysis = analyze(policy(allow({"AWS": ACCOUNT}), allow({"Service": "cloudtrail.amazonaws.com"})))

    assert analysis.open_statements == ()


@pytest.mark.parametrize(
    ("principal", "fragment"),
    [
        pytest.param("*", "*", id="star"),
        pytest.param({"AWS": "arn:aws:iam::*:root"}, "arn:aws:iam::*:root", id="iam-star-root"),
        pytest.param({"Federated": "accounts.google.com"}, "accounts.google.com", id="web-identity"),
    ],
)
def test_open_principal_is_named(principal: Any, fragment: str) -> None:
    (statement,) = analyze(policy(allow(principal))).open_statements

    assert fragment in statement.principal


def test_notprincipal_allow_is_named_as_such() -> None:
    (statement,) = analyze(policy(allow({"AWS": ACCOUNT}, not_principal=True))).open_statements

    assert "NotPrincipal" in statement.principal


def test_capabilities_come_only_from_public_statements_in_fixed_order() -> None:
    analysis = analyze(
        policy(
            allow(
                action=["s3:PutObject", "s3:ListBucket"], condition={"StringEquals": {"aws:SourceVpce": VPCE}}
            ),
            allow(action=["s3:PutObjectAcl", "s3:GetObjectVersion"]),
            allow({"AWS": ACCOUNT}, "s3:ListBucket"),
        )
    )

    assert analysis.capabilities == ("read", "write")
    assert [statement.capabilities for statement in analysis.open_statements] == [
        ("list", "write"),
        ("read", "write"),
    ]


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:SourceAccount": []}},
        {"IpAddress": {"aws:SourceIp": []}},
        {"ForAnyValue:StringEquals": {"aws:SourceVpce": []}},
    ],
    ids=["source-account", "source-ip", "for-any-value-vpce"],
)
def test_an_empty_value_set_is_named_as_the_reason_it_does_not_limit(condition: dict[str, Any]) -> None:
    (statement,) = analyze(policy(allow(condition=condition))).public_statements

    (reason,) = statement.why_not_limited
    assert reason.endswith("the key has no value")


@pytest.mark.parametrize("partition", ["aws-cn", "aws-us-gov"])
def test_every_account_of_another_partition_is_named_as_the_open_principal(partition: str) -> None:
    (statement,) = analyze(policy(allow({"AWS": f"arn:{partition}:iam::*:root"}))).public_statements

    assert statement.principal == f'{{"AWS": "arn:{partition}:iam::*:root"}}'


def test_statement_without_action_grants_no_capability() -> None:
    analysis = analyze({"Statement": [{"Effect": "Allow", "Principal": "*", "Resource": OBJECTS}]})

    assert analysis.is_public
    assert analysis.capabilities == ()


# --- Deny statements that apply to everyone are reported beside the Allows ------------------------------


def test_deny_everyone_is_a_narrowing_deny() -> None:
    analysis = analyze(
        policy(
            allow(),
            deny(condition={"Bool": {"aws:SecureTransport": "false"}}, sid="DenyInsecureTransport"),
        )
    )

    assert analysis.is_public
    (narrowing,) = analysis.narrowing_denies
    assert narrowing.index == 1
    assert narrowing.sid == "DenyInsecureTransport"
    assert "aws:SecureTransport" in narrowing.summary


def test_unconditional_deny_everyone_is_summarised() -> None:
    (narrowing,) = analyze(policy(deny())).narrowing_denies

    assert narrowing.index == 0
    assert narrowing.sid is None
    assert narrowing.summary


def test_notprincipal_deny_is_a_narrowing_deny() -> None:
    analysis = analyze(policy(deny({"AWS": f"arn:aws:iam::{ACCOUNT}:role/admin"}, not_principal=True)))

    assert [narrowing.index for narrowing in analysis.narrowing_denies] == [0]
    assert analysis.open_statements == ()


def test_deny_of_a_fixed_principal_is_not_a_narrowing_deny() -> None:
    analysis = analyze(policy(allow(), deny({"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"})))

    assert analysis.narrowing_denies == ()
    assert analysis.is_public


# --- text that is not a policy: an error, never public, never an exception ----------------------------


def _nested(depth: int) -> str:
    return '{"Statement": ' + "[" * depth + "]" * depth + "}"


MALFORMED = [
    pytest.param("", id="empty-text"),
    pytest.param("{", id="truncated-json"),
    pytest.param("{'Statement': []}", id="single-quoted-not-json"),
    pytest.param('{"Statement": [{"Effect": "Allow", "Principal": "*",}]}', id="trailing-comma"),
    pytest.param("null", id="json-null"),
    pytest.param("42", id="json-number"),
    pytest.param('"a policy"', id="json-string"),
    pytest.param(json.dumps([allow()]), id="json-list-of-statements"),
    pytest.param(json.dumps({"Version": "2012-10-17"}), id="no-statement"),
    pytest.param(json.dumps({"Version": "2012-10-17", "Statements": [allow()]}), id="misspelt-statement"),
    pytest.param(json.dumps({"Statement": "Allow everyone"}), id="statement-a-string"),
    pytest.param(json.dumps({"Statement": 7}), id="statement-a-number"),
    pytest.param(json.dumps({"Statement": None}), id="statement-null"),
    pytest.param(json.dumps({"Statement": True}), id="statement-a-boolean"),
    pytest.param(json.dumps({"Statement": [allow(), "junk"]}), id="one-statement-not-an-object"),
    pytest.param(
        json.dumps({"Statement": [{"Principal": "*", "Action": "s3:GetObject"}]}), id="effect-missing"
    ),
    pytest.param(json.dumps({"Statement": [{**allow(), "Effect": "Permit"}]}), id="effect-odd"),
    pytest.param(json.dumps({"Statement": [{**allow(), "Effect": None}]}), id="effect-null"),
    pytest.param(json.dumps({"Statement": [{**allow(), "Effect": ["Allow"]}]}), id="effect-a-list"),
    pytest.param(
        json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": OBJECTS}]}),
        id="allow-without-principal",
    ),
    pytest.param(
        json.dumps({"Statement": [{"Effect": "Deny", "Action": "s3:*"}]}), id="deny-without-principal"
    ),
    pytest.param(
        json.dumps({"Statement": [{**allow(), "Condition": ["StringEquals"]}]}), id="condition-a-list"
    ),
    pytest.param(
        json.dumps({"Statement": [{**allow(), "Condition": "aws:SourceVpce"}]}), id="condition-a-string"
    ),
    pytest.param(
        json.dumps({"Statement": [{**allow(), "Condition": {"StringEquals": ["aws:SourceVpce", VPCE]}}]}),
        id="condition-operator-block-not-an-object",
    ),
    pytest.param(json.dumps({"Statement": [allow(12)]}), id="allow-principal-a-number"),
    # Malformed whatever the Effect: a Deny's unreadable Principal must not yield a verdict either.
    pytest.param(json.dumps({"Statement": [deny(12)]}), id="deny-principal-a-number"),
    pytest.param(json.dumps({"Statement": [allow(None)]}), id="principal-null"),
    pytest.param(
        json.dumps({"Statement": [allow(), {**allow(), "Effect": "Maybe"}]}),
        id="public-statement-then-malformed-one",
    ),
    pytest.param(_nested(50), id="nested-lists-as-statement"),
    pytest.param(_nested(100_000), id="deeply-nested-lists"),
    pytest.param('{"a":' * 100_000 + "1" + "}" * 100_000, id="deeply-nested-objects"),
    pytest.param("1" * 10_000, id="integer-too-long"),
    pytest.param("\x00\xff\ud800", id="binary-garbage"),
]


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_policy_is_an_error_and_not_public(text: str) -> None:
    analysis = analyze_policy(text)

    assert analysis.error
    assert analysis.is_public is False


@pytest.mark.parametrize("statements", [[], None], ids=["empty-list", "null"])
def test_policy_without_statements_is_not_public(statements: Any) -> None:
    # Whether this is an error or an empty policy, it grants nothing.
    analysis = analyze({"Version": "2012-10-17", "Statement": statements})

    assert not analysis.is_public
    assert analysis.open_statements == ()


def test_an_error_quotes_a_long_value_cut_to_its_beginning_and_length() -> None:
    analysis = analyze({"Statement": [{**allow(), "Effect": "x" * 10_000_000}]})

    assert analysis.error is not None
    assert analysis.error.endswith("has Effect '" + "x" * 119 + "... (10000002 characters)")


def test_deeply_nested_condition_value_is_read() -> None:
    value: Any = VPCE
    for _ in range(200):
        value = [value]
    analysis = analyze(policy(allow(condition={"StringEquals": {"aws:SourceArn": value}})))

    assert analysis.error is None


def test_same_text_same_analysis() -> None:
    text = json.dumps(policy(allow(), deny(condition={"Bool": {"aws:SecureTransport": "false"}})))

    assert analyze_policy(text) == analyze_policy(text)
