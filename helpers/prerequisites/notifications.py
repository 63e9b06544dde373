"""The SNS topic the Prod pipeline's manual approval notifies, with an optional email subscription."""

from __future__ import annotations

from ..context import Workshop
from ..errors import ResourceConflictError


def ensure_approval_topic(workshop: Workshop) -> dict[str, str]:
    sns = workshop.client("sns")
    name = workshop.names.approval_topic
    arn = f"arn:{workshop.partition}:sns:{workshop.settings.region}:{workshop.account}:{name}"
    try:
        sns.get_topic_attributes(TopicArn=arn)
    except sns.exceptions.NotFoundException:
        arn = sns.create_topic(
            Name=name, Tags=workshop.tag_list(), Attributes={"DisplayName": f"{workshop.prefix} prod approval"}
        )["TopicArn"]
        action = "created"
    else:
        if not workshop.is_ours(sns.list_tags_for_resource(ResourceArn=arn)["Tags"]):
            raise ResourceConflictError("SNS topic", name, workshop.prefix)
        action = "exists"
    workshop.record("sns-topic", type="AWS::SNS::Topic", name=name, arn=arn)
    email = workshop.settings.approval_email
    if email:
        subscribed = [s["Endpoint"] for s in _subscriptions(sns, arn) if s["Protocol"] == "email"]
        if email not in subscribed:
            sns.subscribe(TopicArn=arn, Protocol="email", Endpoint=email)
            action += f", {email} subscribed (confirm the email AWS sends)"
    return {"type": "SNS topic", "name": name, "arn": arn, "action": action}


def _subscriptions(sns: object, topic_arn: str) -> list[dict[str, str]]:
    paginator = sns.get_paginator("list_subscriptions_by_topic")  # type: ignore[attr-defined]
    return [s for page in paginator.paginate(TopicArn=topic_arn) for s in page["Subscriptions"]]
