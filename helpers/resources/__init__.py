"""Each kind of AWS resource the workshop creates, with its whole lifecycle in one module, and the one
registry that lists them.

A module defines a :class:`~helpers.resources.base.Kind` per resource type: its label and
CloudFormation type (the ``type`` of its entries in the state file); ``ensure`` (create or reuse after
an ownership check, record each resource through ``Kind.record``, which returns the row notebook 01
shows) where the kind has a step of its own; ``find`` and ``delete`` (and ``settle``), which cleanup
runs; ``exists``, which ``status`` and ``setup.open_workshop`` ask for each recorded entry; and the
named accessors through which other modules read what it recorded (``network.recorded_network``,
``load_balancer.recorded_listener_arn``, ...), so no module spells another kind's state key.

``registry.KINDS`` is the one ordered list: notebook 01's steps (``helpers.prerequisites``) run the
``ensure`` of the kinds ``registry.NOTEBOOK_01`` groups, cleanup (``helpers.cleanup``) walks it
backwards, and ``presence`` answers "does it still exist?" through it. Adding a kind takes its module,
one line in the registry, and its test.

- ``roles``: IAM roles, the EC2 instance profile, ECS's service-linked role
- ``source_repository``: the CodeCommit repository and its three branches
- ``artifact_bucket``: the S3 bucket between pipeline stages
- ``approval_topic``: the SNS topic of Prod's manual approval
- ``image_repositories``: one ECR repository per environment
- ``network``: VPC, subnets, security groups
- ``load_balancer``: the ALB, its target groups and listeners
- ``launch_templates``: the EC2 clusters' launch templates (AMI, instance type, boot script)
- ``capacity``: the rest of the EC2 clusters' capacity: Auto Scaling groups, capacity providers, instances
- ``clusters``: the ECS clusters
- ``log_groups``: the services' and the build projects' CloudWatch log groups
- ``services``: task definitions and services
- ``stacks``: the CloudFormation stacks and the stack-backed kinds they create (pipelines, rules,
  build projects)
- ``registry``: the ordered list of kinds and notebook 01's steps over it
- ``presence``: whether what the state file lists still exists (``status``, ``open_workshop``)
- ``base``: ``Kind``, ``Found``, bounded waits and retries
"""
