"""The rows of the services the workshop only names resources in: CloudFormation stacks, CloudWatch Logs groups
and streams, SNS topics, EventBridge rules, SSM parameters (AWS's public ones belong to no account) and
Service Quotas (unscoped)."""

from __future__ import annotations

from .request import UNSCOPED, Check, NotInTable, Request, json_tags, query_tags, tags_context


def cloudformation(r: Request) -> list[Check]:
    """CloudFormation's row: a stack named by its ARN, or by ``stack/NAME/*`` when the caller gives a name (the id is
    not known); ``*`` for ValidateTemplate, ListStacks and a DescribeStacks of every stack."""
    if r.operation in ("ValidateTemplate", "ListStacks"):
        return r.checks([UNSCOPED])
    name = r.param("StackName")
    if name is None:
        return r.checks([UNSCOPED])  # DescribeStacks without a name: every stack
    name = str(name)
    arn = name if name.startswith("arn:") else r.arn("cloudformation", f"stack/{name}/*")
    return r.checks([arn])


def logs(r: Request) -> list[Check]:
    """CloudWatch Logs' row: a log group's ARN, a log stream's for CreateLogStream, PutLogEvents and GetLogEvents, and
    ``logs:TagResource`` too for a CreateLogGroup with tags; DescribeLogGroups unscoped."""
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
    tags = json_tags(r.param("tags"))
    found = r.checks([arn], tags_context(tags))
    if op == "CreateLogGroup" and tags:
        found.append(("logs:TagResource", arn, tags_context(tags)))
    return found


def sns(r: Request) -> list[Check]:
    """SNS's row: a topic's ARN (CreateTopic with tags needs ``sns:TagResource`` too); ListTopics and ListSubscriptions
    unscoped."""
    op = r.operation
    if op == "CreateTopic":
        arn = r.arn("sns", str(r.param("Name")))
        tags = query_tags(r, "Tags.member.")
        found = r.checks([arn], tags_context(tags))
        if tags:
            found.append(("sns:TagResource", arn, tags_context(tags)))
        return found
    if op in ("ListTopics", "ListSubscriptions"):
        return r.checks([UNSCOPED])
    topic = r.param("TopicArn") or r.param("ResourceArn")
    if topic is None:
        raise NotInTable(r.action)
    return r.checks([str(topic)])


def events(r: Request) -> list[Check]:
    """EventBridge's row: a rule's ARN on the default event bus (``rule/NAME``), or the tagged resource's ARN."""
    if r.operation in ("ListTagsForResource", "TagResource", "UntagResource"):
        return r.checks([str(r.param("ResourceARN"))])
    rule = r.param("Name") or r.param("Rule")
    if rule is None:
        raise NotInTable(r.action)
    return r.checks([r.arn("events", f"rule/{rule}")])


def ssm(r: Request) -> list[Check]:
    """SSM's row: a parameter's ARN; AWS's public parameters (``/aws/service/…``, such as the ECS-optimized AMI's id)
    belong to no account, so theirs has none."""
    name = str(r.param("Name") or "")
    public = name.startswith("/aws/service/")  # AWS's public parameters belong to no account
    return r.checks([r.arn("ssm", "parameter" + (name if name.startswith("/") else "/" + name), account=not public)])


def unscoped(r: Request) -> list[Check]:
    """The row of a service whose operations the sandbox evaluates on ``*`` alone (Service Quotas: the kit only reads
    quotas)."""
    return r.checks([UNSCOPED])
