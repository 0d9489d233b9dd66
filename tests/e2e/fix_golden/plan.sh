#!/bin/sh
# cloudwarden fix plan for <dir>/scan.json (scanned at <scanned-at>): 5 change(s), 0 manual step(s), 9 finding(s) left out.
# Review every command. This script does not check that a resource is still as the scan saw it; `cloudwarden fix --apply` does, and journals each change so that it can be rolled back.
set -eu

account_is() {
  # Stop unless these credentials are in the account the next changes are for.
  current=$(aws sts get-caller-identity --query Account --output text)
  if [ "$current" != "$1" ]; then
    echo "these credentials are in account $current, not $1: stopped" >&2
    exit 1
  fi
}

account_is 123456789012

# route53-no-dangling-records <route53-no-dangling-records:<zone>/assets.acme.test/CNAME>: Delete the CNAME record set assets.acme.test. from the hosted zone <zone>.
# before: {"absent": null, "present": {"Name": "assets.acme.test.", "ResourceRecords": [{"Value": "assets.acme.test.s3-website-us-east-1.amazonaws.com"}], "TTL": 300, "Type": "CNAME"}}
aws route53 change-resource-record-sets --hosted-zone-id <zone> --change-batch '{"Comment":"cloudwarden fix <route53-no-dangling-records:<zone>/assets.acme.test/CNAME>","Changes":[{"Action":"DELETE","ResourceRecordSet":{"Name":"assets.acme.test.","Type":"CNAME","TTL":300,"ResourceRecords":[{"Value":"assets.acme.test.s3-website-us-east-1.amazonaws.com"}]}}]}'
# to undo:
#   aws route53 change-resource-record-sets --hosted-zone-id <zone> --change-batch '{"Comment":"cloudwarden fix <route53-no-dangling-records:<zone>/assets.acme.test/CNAME>","Changes":[{"Action":"CREATE","ResourceRecordSet":{"Name":"assets.acme.test.","Type":"CNAME","TTL":300,"ResourceRecords":[{"Value":"assets.acme.test.s3-website-us-east-1.amazonaws.com"}]}}]}'

# s3-no-public-access <s3-no-public-access:acme-exports>: Remove statement 0 ('Everyone') from the policy of acme-exports, keeping its other statements.
# before: {"policy": {"Statement": [{"Action": "s3:GetObject", "Effect": "Allow", "Principal": "*", "Resource": "arn:aws:s3:::acme-exports/*", "Sid": "Everyone"}, {"Action": "s3:GetObject", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Resource": "arn:aws:s3:::acme-exports/*", "Sid": "Auditors"}], "Version": "2012-10-17"}}
aws s3api put-bucket-policy --bucket acme-exports --policy '{"Version": "2012-10-17", "Statement": [{"Sid": "Auditors", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-exports/*"}]}' --region us-east-1
# to undo:
#   aws s3api put-bucket-policy --bucket acme-exports --policy '{"Version": "2012-10-17", "Statement": [{"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-exports/*"}, {"Sid": "Auditors", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-exports/*"}]}' --region us-east-1
# alternative (block-public-access): Turn on all four Block Public Access settings of acme-exports, closing its policy and ACL.
#   aws s3api put-public-access-block --bucket acme-exports --public-access-block-configuration '{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true}' --region us-east-1

# s3-no-public-access <s3-no-public-access:acme-drop>: Remove the public grants (AllUsers (anyone) READ) from the ACL of acme-drop, keeping its other grants.
# before: {"grants": [{"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}], "owner": "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"}
aws s3api put-bucket-acl --bucket acme-drop --access-control-policy '{"Owner":{"ID":"75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"},"Grants":[]}' --region us-east-1
# to undo:
#   aws s3api put-bucket-acl --bucket acme-drop --access-control-policy '{"Owner":{"ID":"75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"},"Grants":[{"Grantee":{"Type":"Group","URI":"http://acs.amazonaws.com/groups/global/AllUsers"},"Permission":"READ"}]}' --region us-east-1
# alternative (block-public-access): Turn on all four Block Public Access settings of acme-drop, closing its policy and ACL.
#   aws s3api put-public-access-block --bucket acme-drop --public-access-block-configuration '{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true}' --region us-east-1

# sg-minimal-inbound <sg-minimal-inbound:<sg:ssh>>: Revoke the inbound rules TCP 22 from 0.0.0.0/0 of <sg:ssh>, keeping its other rules.
# before: {"absent": [], "direction": "ingress", "present": [{"FromPort": 22, "IpProtocol": "tcp", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "ToPort": 22}]}
aws ec2 revoke-security-group-ingress --group-id <sg:ssh> --ip-permissions '[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"IpRanges":[{"CidrIp":"0.0.0.0/0"}]}]' --region us-east-1
# to undo:
#   aws ec2 authorize-security-group-ingress --group-id <sg:ssh> --ip-permissions '[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"IpRanges":[{"CidrIp":"0.0.0.0/0"}]}]' --region us-east-1

# sg-no-internal-all-ports <sg-no-internal-all-ports:<sg:internal>>: Revoke the inbound rules All traffic from <sg:ssh> of <sg:internal>, keeping its other rules.
# before: {"absent": [], "direction": "ingress", "present": [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "<sg:ssh>", "UserId": "123456789012"}]}]}
aws ec2 revoke-security-group-ingress --group-id <sg:internal> --ip-permissions '[{"IpProtocol":"-1","UserIdGroupPairs":[{"GroupId":"<sg:ssh>","UserId":"123456789012"}]}]' --region us-east-1
# to undo:
#   aws ec2 authorize-security-group-ingress --group-id <sg:internal> --ip-permissions '[{"IpProtocol":"-1","UserIdGroupPairs":[{"GroupId":"<sg:ssh>","UserId":"123456789012"}]}]' --region us-east-1

# Left out: pass: 8, suppressed: 1
