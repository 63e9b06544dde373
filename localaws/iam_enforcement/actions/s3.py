"""S3's rows: the IAM action of a bucket request depends on its method and subresource (moto's own map names
some by the API, e.g. HeadBucket), DeleteObjects is a DeleteObject (or DeleteObjectVersion) per key, and a
CreateBucket that sets object ownership needs ``s3:PutBucketOwnershipControls`` too."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from .request import Check, Request

#: A bucket's subresources (the query string) and the IAM action of each method on them, from the service
#: authorization reference (moto's own map names some by the API, e.g. HeadBucket, and lacks others).
_BUCKET_ACTIONS: dict[str, dict[str, str]] = {
    "HEAD": {"": "ListBucket"},
    "GET": {
        "location": "GetBucketLocation",
        "versioning": "GetBucketVersioning",
        "policy": "GetBucketPolicy",
        "tagging": "GetBucketTagging",
        "versions": "ListBucketVersions",
        "encryption": "GetEncryptionConfiguration",
        "publicAccessBlock": "GetBucketPublicAccessBlock",
        "ownershipControls": "GetBucketOwnershipControls",
        "acl": "GetBucketAcl",
        "uploads": "ListBucketMultipartUploads",
        "lifecycle": "GetLifecycleConfiguration",
        "": "ListBucket",
    },
    "PUT": {
        "versioning": "PutBucketVersioning",
        "policy": "PutBucketPolicy",
        "tagging": "PutBucketTagging",
        "encryption": "PutEncryptionConfiguration",
        "publicAccessBlock": "PutBucketPublicAccessBlock",
        "ownershipControls": "PutBucketOwnershipControls",
        "acl": "PutBucketAcl",
        "lifecycle": "PutLifecycleConfiguration",
        "": "CreateBucket",
    },
    "DELETE": {
        "policy": "DeleteBucketPolicy",
        "tagging": "PutBucketTagging",
        "encryption": "PutEncryptionConfiguration",
        "publicAccessBlock": "PutBucketPublicAccessBlock",
        "ownershipControls": "PutBucketOwnershipControls",
        "lifecycle": "PutLifecycleConfiguration",
        "": "DeleteBucket",
    },
}


def _action(r: Request, resource: str) -> str:
    path = resource.split(":::", 1)[-1]
    method = str(getattr(r.response, "method", "GET")).upper()
    query = dict(getattr(r.response, "querystring", {}) or {})
    if "/" in path:  # an object: moto names these as IAM does
        return r.action
    if method == "POST" and "delete" in query:
        return "s3:DeleteObject"
    actions = _BUCKET_ACTIONS.get(method, {})
    for subresource, action in actions.items():
        if subresource and subresource in query:
            return f"s3:{action}"
    return f"s3:{actions.get('', r.operation)}"


def s3(r: Request, resource: str) -> list[Check]:
    """S3's row: the request's IAM action (a bucket's from its method and subresource) on the bucket's or object's ARN;
    CreateBucket with ``x-amz-object-ownership`` needs ``s3:PutBucketOwnershipControls`` too. DeleteObjects is checked
    as s3:DeleteObject (or DeleteObjectVersion) on each key its body names; a single DeleteObject on its own key
    (s3:DeleteObjectVersion when it names a version), as AWS checks it."""
    action = _action(r, resource)
    is_object = "/" in resource.split(":::", 1)[-1]
    if action == "s3:DeleteObject" and not is_object:  # DeleteObjects: each key, and each version named
        return _delete_objects(r, resource)
    if action == "s3:DeleteObject" and "versionId" in dict(getattr(r.response, "querystring", {}) or {}):
        action = "s3:DeleteObjectVersion"
    found: list[Check] = [(action, resource, {})]
    if action == "s3:CreateBucket" and r.response.headers.get("x-amz-object-ownership"):
        # "If your CreateBucket request includes the x-amz-object-ownership header, then the
        # s3:PutBucketOwnershipControls permission is required" (S3 API reference, CreateBucket).
        found.append(("s3:PutBucketOwnershipControls", resource, {}))
    return found


def _delete_objects(r: Request, resource: str) -> list[Check]:
    bucket = resource.split(":::", 1)[-1].split("/")[0]
    body = getattr(r.response, "raw_body", b"") or getattr(r.response, "body", b"") or b""
    found: list[Check] = []
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return [("s3:DeleteObject", f"arn:{r.partition}:s3:::{bucket}/*", {})]
    for entry in root.iter():
        if not entry.tag.endswith("Object"):
            continue
        key = next((c.text for c in entry if c.tag.endswith("Key")), "")
        version = next((c.text for c in entry if c.tag.endswith("VersionId")), None)
        action = "s3:DeleteObjectVersion" if version else "s3:DeleteObject"
        found.append((action, f"arn:{r.partition}:s3:::{bucket}/{key}", {}))
    return found
