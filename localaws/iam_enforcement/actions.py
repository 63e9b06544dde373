"""What IAM evaluates for one request made by an IAM user or a role a user assumed: the action(s) and the
resource ARN(s) of each operation the workshop calls, service by service.

A row says which IAM action an operation is and which resource ARN(s) AWS evaluates it against (the
service authorization reference's "Resource types" column for that action), plus the implicit actions a
request carries (``iam:TagRole`` when CreateRole comes with Tags, ``iam:PassRole`` for a role in a task
definition, ``s3:PutBucketOwnershipControls`` for CreateBucket with ObjectOwnership) and the context keys
the kit's policies test (``aws:RequestTag/…`` and ``aws:TagKeys`` on creates, ``aws:ResourceTag/…`` from the
EC2 resource's tags, ``iam:PassedToService``, ``iam:AWSServiceName``). A resource not known before it is made
(a load balancer's id, a stack's id) is evaluated with ``*`` in the id's place, so a policy that names the
resource by its name with ``/*`` for the id matches it.

An operation with no row is refused for IAM users (``NotInTable``), with a message naming it: the sandbox
never lets a call it cannot evaluate through. ``tests/test_iam_user_requests.py`` checks that every
operation the kit calls (``helpers.permissions.KIT_OPERATIONS``) has a row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.ec2.models import ec2_backends
from moto.ecs.models import ecs_backends
from moto.iam.models import iam_backends

from ..seams import moto as moto_seam

Context = dict[str, str | list[str]]
Check = tuple[str, str, Context]


class NotInTable(Exception):
    """The sandbox has no row for this operation: it cannot say what IAM would evaluate, so it refuses."""

    def __init__(self, action: str) -> None:
        super().__init__(
            f"The sandbox does not evaluate {action} for IAM users and roles yet, so it refuses it "
            "(add a row to localaws/iam_enforcement/actions.py)."
        )
        self.action = action


class Request:
    """One request as the table reads it: its parameters, region, account and partition."""

    def __init__(self, response: Any, prefix: str, operation: str, region: str, account: str, partition: str) -> None:
        self.response, self.prefix, self.operation = response, prefix, operation
        self.region, self.account, self.partition = region, account, partition

    @property
    def action(self) -> str:
        return f"{self.prefix}:{self.operation}"

    def param(self, name: str, default: Any = None) -> Any:
        try:
            return moto_seam.param_of(self.response, name, default)
        except Exception:  # a body that is not JSON for this protocol: no such parameter
            return default

    def query(self, prefix: str) -> dict[str, str]:
        """Query-protocol parameters whose name starts with ``prefix`` (``TagSpecification.``), flattened."""
        found: dict[str, str] = {}
        for key, values in dict(getattr(self.response, "querystring", {}) or {}).items():
            if str(key).startswith(prefix) and values:
                found[str(key)] = str(values[0])
        return found

    def arn(self, service: str, rest: str, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{self.partition}:{service}:{self.region if region else ''}:{self.account if account else ''}:{rest}"
        )

    def checks(self, resources: list[str], context: Context | None = None) -> list[Check]:
        return [(self.action, r, dict(context or {})) for r in resources]


def _last(value: Any) -> str:
    return str(value or "").rstrip("/").split("/")[-1]


def _tags_context(pairs: list[tuple[str, str]]) -> Context:
    context: Context = {f"aws:RequestTag/{k}": v for k, v in pairs}
    if pairs:
        context["aws:TagKeys"] = [k for k, _ in pairs]
    return context


def _json_tags(tags: Any) -> list[tuple[str, str]]:
    if isinstance(tags, dict):
        return [(str(k), str(v)) for k, v in tags.items()]
    pairs = []
    for tag in tags or []:
        key = tag.get("key", tag.get("Key"))
        pairs.append((str(key), str(tag.get("value", tag.get("Value", "")))))
    return pairs


def _query_tags(request: Request, prefix: str) -> list[tuple[str, str]]:
    """Tags of a query-protocol request (``Tags.member.1.Key``, ``TagSpecification.1.Tag.1.Key``)."""
    flat = request.query(prefix)
    pairs = []
    for key, value in sorted(flat.items()):
        if key.endswith(".Key"):
            pairs.append((value, flat.get(key[: -len("Key")] + "Value", "")))
    return pairs


# -- the services ------------------------------------------------------------------------------------------

UNSCOPED = "*"


def _iam(r: Request) -> list[Check]:
    op = r.operation
    backend = iam_backends[r.account][r.partition]

    def role_arn(name: str) -> str:
        role = next((x for x in backend.roles.values() if x.name == name), None)
        if role is not None:
            return str(role.arn)
        # A role not made yet is named by its path when the path is fixed: a service-linked role's (the kit asks
        # GetRole for ECS's before creating it). An assumption: AWS does not document a missing role's ARN.
        linked = {v: k for k, v in _SERVICE_LINKED_ROLES.items()}.get(name)
        path = f"/aws-service-role/{linked}/" if linked else "/"
        return f"arn:{r.partition}:iam::{r.account}:role{path}{name}"

    def profile_arn(name: str) -> str:
        return f"arn:{r.partition}:iam::{r.account}:instance-profile/{name}"

    if op == "CreateServiceLinkedRole":
        service = str(r.param("AWSServiceName"))
        name = _SERVICE_LINKED_ROLES.get(service, f"AWSServiceRoleFor{service.split('.')[0]}")
        arn = f"arn:{r.partition}:iam::{r.account}:role/aws-service-role/{service}/{name}"
        return r.checks([arn], {"iam:AWSServiceName": service})
    if op == "SimulatePrincipalPolicy":
        return r.checks([str(r.param("PolicySourceArn"))])
    if op in ("CreateInstanceProfile", "DeleteInstanceProfile", "GetInstanceProfile", "ListInstanceProfileTags"):
        found = r.checks([profile_arn(str(r.param("InstanceProfileName")))])
        tags = _query_tags(r, "Tags.member.")
        if op == "CreateInstanceProfile" and tags:
            found.append(("iam:TagInstanceProfile", found[0][1], _tags_context(tags)))
        return found
    if op in ("AddRoleToInstanceProfile", "RemoveRoleFromInstanceProfile"):
        found = r.checks([profile_arn(str(r.param("InstanceProfileName")))])
        if op == "AddRoleToInstanceProfile":
            found.append(
                ("iam:PassRole", role_arn(str(r.param("RoleName"))), {"iam:PassedToService": "ec2.amazonaws.com"})
            )
        return found
    if op in _IAM_ROLE_OPERATIONS:
        name = str(r.param("RoleName"))
        if op == "CreateRole":
            path = str(r.param("Path") or "/")
            arn = f"arn:{r.partition}:iam::{r.account}:role{path}{name}"
            tags = _query_tags(r, "Tags.member.")
            found = r.checks([arn], _tags_context(tags))
            if tags:
                found.append(("iam:TagRole", arn, _tags_context(tags)))
            return found
        return r.checks([role_arn(name)])
    if op in ("GetUser", "ListAccessKeys"):
        name = r.param("UserName")
        return r.checks([f"arn:{r.partition}:iam::{r.account}:user/{name}"] if name else [UNSCOPED])
    raise NotInTable(r.action)


_IAM_ROLE_OPERATIONS = {
    "CreateRole",
    "DeleteRole",
    "GetRole",
    "DeleteRolePolicy",
    "PutRolePolicy",
    "GetRolePolicy",
    "DetachRolePolicy",
    "AttachRolePolicy",
    "ListAttachedRolePolicies",
    "ListRolePolicies",
    "ListRoleTags",
    "ListInstanceProfilesForRole",
    "UpdateAssumeRolePolicy",
    "TagRole",
}
_SERVICE_LINKED_ROLES = {
    "ecs.amazonaws.com": "AWSServiceRoleForECS",
    "elasticloadbalancing.amazonaws.com": "AWSServiceRoleForElasticLoadBalancing",
    "autoscaling.amazonaws.com": "AWSServiceRoleForAutoScaling",
}


#: A bucket's subresources (the query string) and the IAM action of each method on them, from the service
#: authorization reference (moto's own map names some by the API, e.g. HeadBucket, and lacks others).
_S3_BUCKET_ACTIONS: dict[str, dict[str, str]] = {
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


def _s3_action(r: Request, resource: str) -> str:
    path = resource.split(":::", 1)[-1]
    method = str(getattr(r.response, "method", "GET")).upper()
    query = dict(getattr(r.response, "querystring", {}) or {})
    if "/" in path:  # an object: moto names these as IAM does
        return r.action
    if method == "POST" and "delete" in query:
        return "s3:DeleteObject"
    actions = _S3_BUCKET_ACTIONS.get(method, {})
    for subresource, action in actions.items():
        if subresource and subresource in query:
            return f"s3:{action}"
    return f"s3:{actions.get('', r.operation)}"


def _s3(r: Request, resource: str) -> list[Check]:
    action = _s3_action(r, resource)
    if action == "s3:DeleteObject":  # DeleteObjects: each key, and each version named (DeleteObjectVersion)
        return _s3_delete_objects(r, resource)
    found: list[Check] = [(action, resource, {})]
    if action == "s3:CreateBucket" and r.response.headers.get("x-amz-object-ownership"):
        # "If your CreateBucket request includes the x-amz-object-ownership header, then the
        # s3:PutBucketOwnershipControls permission is required" (S3 API reference, CreateBucket).
        found.append(("s3:PutBucketOwnershipControls", resource, {}))
    return found


def _s3_delete_objects(r: Request, resource: str) -> list[Check]:
    import xml.etree.ElementTree as ElementTree

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


def _codecommit(r: Request) -> list[Check]:
    if r.operation in ("ListTagsForResource", "TagResource", "UntagResource"):
        return r.checks([str(r.param("resourceArn"))])
    if r.operation == "ListRepositories":
        return r.checks([UNSCOPED])
    name = r.param("repositoryName")
    if name is None:
        raise NotInTable(r.action)
    found = r.checks([r.arn("codecommit", str(name))], _tags_context(_json_tags(r.param("tags"))))
    if r.operation == "CreateRepository" and r.param("tags"):
        found.append(("codecommit:TagResource", found[0][1], _tags_context(_json_tags(r.param("tags")))))
    return found


def _codepipeline(r: Request) -> list[Check]:
    op = r.operation
    if op in ("ListTagsForResource", "TagResource", "UntagResource"):
        return r.checks([str(r.param("resourceArn"))])
    if op == "ListPipelines":
        return r.checks([UNSCOPED])
    if op == "PutApprovalResult":  # an action: pipeline/stage/action
        pipeline, stage, action = r.param("pipelineName"), r.param("stageName"), r.param("actionName")
        return r.checks([r.arn("codepipeline", f"{pipeline}/{stage}/{action}")])
    if op in ("RetryStageExecution", "RollbackStage"):  # a stage: pipeline/stage
        return r.checks([r.arn("codepipeline", f"{r.param('pipelineName')}/{r.param('stageName')}")])
    if op in ("CreatePipeline", "UpdatePipeline"):
        pipeline = r.param("pipeline") or {}
        return r.checks([r.arn("codepipeline", str(pipeline.get("name")))])
    name = r.param("name") or r.param("pipelineName")
    if name is None:
        raise NotInTable(r.action)
    return r.checks([r.arn("codepipeline", str(name))])


def _codebuild(r: Request) -> list[Check]:
    op = r.operation
    if op in ("ListProjects", "ListBuilds"):
        return r.checks([UNSCOPED])
    if op == "BatchGetProjects":
        return r.checks([r.arn("codebuild", f"project/{_last(n)}") for n in r.param("names") or []])
    if op == "BatchGetBuilds":
        projects = sorted({_last(str(i)).split(":")[0] for i in r.param("ids") or []})
        return r.checks([r.arn("codebuild", f"project/{p}") for p in projects])
    name = r.param("projectName") or r.param("name")
    if name is None:
        raise NotInTable(r.action)
    return r.checks([r.arn("codebuild", f"project/{_last(name)}")])


def _ecr(r: Request) -> list[Check]:
    op = r.operation
    if op == "GetAuthorizationToken":
        return r.checks([UNSCOPED])
    if op in ("ListTagsForResource", "TagResource", "UntagResource"):
        return r.checks([str(r.param("resourceArn"))])
    if op == "DescribeRepositories":
        names = r.param("repositoryNames") or []
        return r.checks([r.arn("ecr", f"repository/{n}") for n in names] or [r.arn("ecr", "repository/*")])
    name = r.param("repositoryName")
    if name is None:
        raise NotInTable(r.action)
    arn = r.arn("ecr", f"repository/{name}")
    tags = _json_tags(r.param("tags"))
    found = r.checks([arn], _tags_context(tags))
    if op == "CreateRepository" and tags:
        found.append(("ecr:TagResource", arn, _tags_context(tags)))
    return found


def _ecs(r: Request) -> list[Check]:
    op = r.operation

    def cluster(value: Any) -> str:
        return r.arn("ecs", f"cluster/{_last(value or 'default')}")

    def tagged(found: list[Check], arn: str) -> list[Check]:
        tags = _json_tags(r.param("tags"))
        if tags:
            found.append(("ecs:TagResource", arn, {**_tags_context(tags), "ecs:CreateAction": op}))
        return found

    if op in ("DescribeTaskDefinition", "ListTaskDefinitions", "DeregisterTaskDefinition", "CreateCapacityProvider"):
        # Resource types "*" only (service authorization reference); CreateCapacityProvider is listed unscoped
        # by the kit's policy as well.
        return r.checks([UNSCOPED])
    if op == "RegisterTaskDefinition":
        family = str(r.param("family"))
        definitions = ecs_backends[r.account][r.region].task_definitions.get(family, {})
        arn = r.arn("ecs", f"task-definition/{family}:{(max(definitions) if definitions else 0) + 1}")
        found = r.checks([arn])
        for key in ("executionRoleArn", "taskRoleArn"):
            if r.param(key):
                found.append(("iam:PassRole", str(r.param(key)), {"iam:PassedToService": "ecs-tasks.amazonaws.com"}))
        return tagged(found, arn)
    if op == "DeleteTaskDefinitions":
        return r.checks([r.arn("ecs", f"task-definition/{_last(d)}") for d in r.param("taskDefinitions") or []])
    if op == "CreateCluster":
        arn = cluster(r.param("clusterName"))
        return tagged(r.checks([arn]), arn)
    if op in ("DeleteCluster", "PutClusterCapacityProviders", "ListServices", "ListTasks"):
        return r.checks([cluster(r.param("cluster"))])
    if op == "DescribeClusters":
        return r.checks([cluster(c) for c in r.param("clusters") or ["default"]])
    if op in ("CreateService", "UpdateService", "DeleteService", "DescribeServices"):
        names = r.param("services") or [r.param("serviceName") or r.param("service")]
        name_of_cluster = _last(r.param("cluster") or "default")
        arns = [r.arn("ecs", f"service/{name_of_cluster}/{_last(n)}") for n in names]
        context: Context = {"ecs:cluster": cluster(name_of_cluster)}
        found = r.checks(arns, context)
        return tagged(found, arns[0]) if op == "CreateService" else found
    if op in ("DescribeCapacityProviders", "DeleteCapacityProvider"):
        names = r.param("capacityProviders") or [r.param("capacityProvider")]
        names = [n for n in names if n]
        return r.checks([r.arn("ecs", f"capacity-provider/{_last(n)}") for n in names] or [UNSCOPED])
    if op in ("ListTagsForResource", "TagResource", "UntagResource"):
        return r.checks([str(r.param("resourceArn"))])
    raise NotInTable(r.action)


def _elbv2(r: Request) -> list[Check]:
    op = r.operation
    tags = _query_tags(r, "Tags.member.")
    if op.startswith("Describe"):
        return r.checks([UNSCOPED])
    if op == "CreateLoadBalancer":
        arn = r.arn("elasticloadbalancing", f"loadbalancer/app/{r.param('Name')}/*")
    elif op == "CreateTargetGroup":
        arn = r.arn("elasticloadbalancing", f"targetgroup/{r.param('Name')}/*")
    elif op == "CreateListener":
        arn = str(r.param("LoadBalancerArn")).replace(":loadbalancer/", ":listener/") + "/*"
    elif op == "DeleteLoadBalancer":
        arn = str(r.param("LoadBalancerArn"))
    elif op in ("DeleteTargetGroup", "ModifyTargetGroupAttributes", "RegisterTargets", "DeregisterTargets"):
        arn = str(r.param("TargetGroupArn"))
    elif op in ("DeleteListener", "ModifyListener"):
        arn = str(r.param("ListenerArn"))
    else:
        raise NotInTable(r.action)
    found = r.checks([arn], _tags_context(tags))
    if op.startswith("Create") and tags:
        found.append(("elasticloadbalancing:AddTags", arn, _tags_context(tags)))
    return found


#: EC2 IDs by their prefix: the resource type in the ARN.
_EC2_TYPES = {
    "vpc": "vpc",
    "subnet": "subnet",
    "sg": "security-group",
    "igw": "internet-gateway",
    "rtb": "route-table",
    "lt": "launch-template",
    "i": "instance",
}
#: Create operations and the type of what they make (evaluated as ``type/*`` with the request's tags).
_EC2_CREATES = {
    "CreateVpc": "vpc",
    "CreateSubnet": "subnet",
    "CreateSecurityGroup": "security-group",
    "CreateInternetGateway": "internet-gateway",
    "CreateRouteTable": "route-table",
    "CreateLaunchTemplate": "launch-template",
}
#: The parameters that name the resources an operation acts on.
_EC2_TARGETS: dict[str, tuple[str, ...]] = {
    "AssociateRouteTable": ("RouteTableId", "SubnetId"),
    "AttachInternetGateway": ("InternetGatewayId", "VpcId"),
    "DetachInternetGateway": ("InternetGatewayId", "VpcId"),
    "AuthorizeSecurityGroupIngress": ("GroupId",),
    "RevokeSecurityGroupIngress": ("GroupId",),
    "DeleteSecurityGroup": ("GroupId",),
    "CreateRoute": ("RouteTableId",),
    "DeleteRouteTable": ("RouteTableId",),
    "DeleteSubnet": ("SubnetId",),
    "ModifySubnetAttribute": ("SubnetId",),
    "DeleteVpc": ("VpcId",),
    "ModifyVpcAttribute": ("VpcId",),
    "DeleteInternetGateway": ("InternetGatewayId",),
    "DeleteLaunchTemplate": ("LaunchTemplateId",),
    "DisassociateRouteTable": ("AssociationId",),
    "TerminateInstances": ("InstanceId.1",),
}


def _ec2(r: Request) -> list[Check]:
    op = r.operation
    if op.startswith("Describe"):
        return r.checks([UNSCOPED])
    if op in _EC2_CREATES:
        pairs = _query_tags(r, "TagSpecification.")
        made = r.checks([r.arn("ec2", f"{_EC2_CREATES[op]}/*")], _tags_context(pairs))
        if pairs:
            made.append(("ec2:CreateTags", made[0][1], {**_tags_context(pairs), "ec2:CreateAction": op}))
        return made
    if op not in _EC2_TARGETS:
        raise NotInTable(r.action)
    found: list[Check] = []
    backend = ec2_backends[r.account][r.region]
    for name in _EC2_TARGETS[op]:
        ids = [v for k, v in r.query(name).items() if k == name or k.startswith(name.rstrip(".1") + ".")]
        if op == "DeleteLaunchTemplate" and not ids and r.param("LaunchTemplateName"):
            template = next(
                (t for t in backend.launch_templates.values() if t.name == r.param("LaunchTemplateName")), None
            )
            ids = [t.id for t in [template] if t is not None]
        if name == "AssociationId":  # DisassociateRouteTable: the route table the association belongs to
            tables = backend.route_tables.values()
            ids = [t.id for t in tables for i in ids if i in getattr(t, "associations", {})]
        for resource_id in ids:
            kind = _EC2_TYPES.get(resource_id.split("-")[0], resource_id.split("-")[0])
            tags = backend.tags.get(resource_id, {})
            context: Context = {f"aws:ResourceTag/{k}": v for k, v in tags.items()}
            found.append((r.action, r.arn("ec2", f"{kind}/{resource_id}"), context))
    return found or r.checks([UNSCOPED])


def _autoscaling(r: Request) -> list[Check]:
    if r.operation.startswith("Describe"):
        return r.checks([UNSCOPED])
    name = r.param("AutoScalingGroupName")
    if name is None:
        raise NotInTable(r.action)
    tags = _query_tags(r, "Tags.member.")
    arn = r.arn("autoscaling", f"autoScalingGroup:*:autoScalingGroupName/{name}")
    found = r.checks([arn], _tags_context(tags))
    if r.operation == "CreateAutoScalingGroup" and tags:
        found.append(("autoscaling:CreateOrUpdateTags", arn, _tags_context(tags)))
    return found


def _cloudformation(r: Request) -> list[Check]:
    if r.operation in ("ValidateTemplate", "ListStacks"):
        return r.checks([UNSCOPED])
    name = r.param("StackName")
    if name is None:
        return r.checks([UNSCOPED])  # DescribeStacks without a name: every stack
    name = str(name)
    arn = name if name.startswith("arn:") else r.arn("cloudformation", f"stack/{name}/*")
    return r.checks([arn])


def _logs(r: Request) -> list[Check]:
    op = r.operation
    if op == "DescribeLogGroups":
        return r.checks([UNSCOPED])
    if op in ("ListTagsForResource", "TagResource", "UntagResource"):
        return r.checks([str(r.param("resourceArn"))])
    group = r.param("logGroupName")
    if group is None:
        raise NotInTable(r.action)
    if op in ("CreateLogStream", "PutLogEvents", "GetLogEvents"):
        return r.checks([r.arn("logs", f"log-group:{group}:log-stream:{r.param('logStreamName')}")])
    arn = r.arn("logs", f"log-group:{group}")
    tags = _json_tags(r.param("tags"))
    found = r.checks([arn], _tags_context(tags))
    if op == "CreateLogGroup" and tags:
        found.append(("logs:TagResource", arn, _tags_context(tags)))
    return found


def _sns(r: Request) -> list[Check]:
    op = r.operation
    if op == "CreateTopic":
        arn = r.arn("sns", str(r.param("Name")))
        tags = _query_tags(r, "Tags.member.")
        found = r.checks([arn], _tags_context(tags))
        if tags:
            found.append(("sns:TagResource", arn, _tags_context(tags)))
        return found
    if op in ("ListTopics", "ListSubscriptions"):
        return r.checks([UNSCOPED])
    topic = r.param("TopicArn") or r.param("ResourceArn")
    if topic is None:
        raise NotInTable(r.action)
    return r.checks([str(topic)])


def _events(r: Request) -> list[Check]:
    if r.operation in ("ListTagsForResource", "TagResource", "UntagResource"):
        return r.checks([str(r.param("ResourceARN"))])
    rule = r.param("Name") or r.param("Rule")
    if rule is None:
        raise NotInTable(r.action)
    return r.checks([r.arn("events", f"rule/{rule}")])


def _ssm(r: Request) -> list[Check]:
    name = str(r.param("Name") or "")
    public = name.startswith("/aws/service/")  # AWS's public parameters belong to no account
    return r.checks([r.arn("ssm", "parameter" + (name if name.startswith("/") else "/" + name), account=not public)])


def _sts(r: Request) -> list[Check]:
    if r.operation == "AssumeRole":
        return r.checks([str(r.param("RoleArn"))])
    if r.operation == "GetCallerIdentity":
        return []  # AWS answers it for every caller, even under an explicit Deny
    raise NotInTable(r.action)


def _unscoped(r: Request) -> list[Check]:
    return r.checks([UNSCOPED])


TABLE: dict[str, Callable[[Request], list[Check]]] = {
    "iam": _iam,
    "codecommit": _codecommit,
    "codepipeline": _codepipeline,
    "codebuild": _codebuild,
    "ecr": _ecr,
    "ecs": _ecs,
    "elasticloadbalancing": _elbv2,
    "ec2": _ec2,
    "autoscaling": _autoscaling,
    "cloudformation": _cloudformation,
    "logs": _logs,
    "sns": _sns,
    "events": _events,
    "ssm": _ssm,
    "sts": _sts,
    "servicequotas": _unscoped,
}


def checks_for(r: Request, s3_resource: str) -> list[Check]:
    """The (action, resource ARN, context) checks AWS makes for one user's request; ``NotInTable`` when
    the sandbox has no row for its operation."""
    if r.prefix == "s3":
        return _s3(r, s3_resource)
    row = TABLE.get(r.prefix)
    if row is None:
        raise NotInTable(r.action)
    return row(r)
