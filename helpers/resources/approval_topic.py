"""The SNS topic the Prod pipeline's manual approval notifies, with an optional email subscription."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..core.context import Row, Workshop
from ..core.errors import ResourceConflictError
from .base import Entry, Found, Kind, entry_id

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient


def topic_arn(workshop: Workshop) -> str:
    """The topic's ARN, known before it exists (SNS derives it from the name)."""
    region, account = workshop.settings.region, workshop.account
    return f"arn:{workshop.partition}:sns:{region}:{account}:{workshop.names.approval_topic}"


def ensure(workshop: Workshop) -> list[Row]:
    """The topic, with the approval email subscribed when one is set."""
    return [ensure_topic(workshop)]


def ensure_topic(workshop: Workshop) -> Row:
    """Create the topic, or check that the existing one is tagged as ours (ResourceConflictError if not); then
    subscribe ``approval_email`` unless it already is. AWS mails that address a confirmation link, and no
    approval notice reaches it until it is confirmed."""
    sns = workshop.client("sns")
    name = workshop.names.approval_topic
    arn = topic_arn(workshop)
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
    recorded = TOPICS.record(workshop, "sns-topic", name=name, arn=arn)
    email = workshop.settings.approval_email
    if email:
        subscribed = [s["Endpoint"] for s in _subscriptions(sns, arn) if s["Protocol"] == "email"]
        if email not in subscribed:
            sns.subscribe(TopicArn=arn, Protocol="email", Endpoint=email)
            action += f", {email} subscribed (confirm the email AWS sends)"
    return {**recorded, "action": action}


def _subscriptions(sns: SNSClient, arn: str) -> list[Any]:
    paginator = sns.get_paginator("list_subscriptions_by_topic")
    return [s for page in paginator.paginate(TopicArn=arn) for s in page["Subscriptions"]]


def find_topics(workshop: Workshop) -> Iterable[Found]:
    """The approval topic when it exists: its ARN follows from its name, so one GetTopicAttributes tells."""
    sns = workshop.client("sns")
    arn = topic_arn(workshop)
    try:
        sns.get_topic_attributes(TopicArn=arn)
    except sns.exceptions.NotFoundException:
        return
    tags = sns.list_tags_for_resource(ResourceArn=arn)["Tags"]
    yield Found("SNS topic", workshop.names.approval_topic, arn, workshop.is_ours(tags))


def delete_topic(workshop: Workshop, found: Found) -> None:
    """Delete the topic; SNS deletes its subscriptions with it."""
    workshop.client("sns").delete_topic(TopicArn=found.ident)


def topic_exists(workshop: Workshop, entry: Entry) -> bool:
    """By the recorded ARN; only SNS's NotFound means gone."""
    sns = workshop.client("sns")
    try:
        sns.get_topic_attributes(TopicArn=entry_id(entry))
    except sns.exceptions.NotFoundException:
        return False
    return True


TOPICS = Kind(
    "SNS topics",
    find_topics,
    delete_topic,
    cfn_type="AWS::SNS::Topic",
    noun="SNS topic",
    ensure=ensure,
    exists=topic_exists,
)
