"""PutBucketAcl with a policy that grants nothing leaves an ACL without grants, as in AWS."""

from cloudwarden_emulator import Emulator

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def test_an_acl_without_grants_is_kept_and_read_back(emulator: Emulator) -> None:
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="acl-emptied")
    s3.put_bucket_acl(Bucket="acl-emptied", GrantRead=f"uri={ALL_USERS}")
    owner = s3.get_bucket_acl(Bucket="acl-emptied")["Owner"]

    s3.put_bucket_acl(Bucket="acl-emptied", AccessControlPolicy={"Owner": {"ID": owner["ID"]}, "Grants": []})

    acl = s3.get_bucket_acl(Bucket="acl-emptied")
    assert (acl["Owner"]["ID"], acl["Grants"]) == (owner["ID"], [])


def test_grants_put_back_after_an_empty_acl_are_read_back(emulator: Emulator) -> None:
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="acl-restored")
    owner = s3.get_bucket_acl(Bucket="acl-restored")["Owner"]["ID"]
    s3.put_bucket_acl(Bucket="acl-restored", AccessControlPolicy={"Owner": {"ID": owner}, "Grants": []})
    public = {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"}

    s3.put_bucket_acl(Bucket="acl-restored", AccessControlPolicy={"Owner": {"ID": owner}, "Grants": [public]})

    assert s3.get_bucket_acl(Bucket="acl-restored")["Grants"] == [public]
