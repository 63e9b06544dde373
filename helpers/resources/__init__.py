"""Each kind of AWS resource the workshop creates, with its whole lifecycle in one module: its names
and tags; ``ensure(workshop)`` (create or reuse after an ownership check, record in the state file,
return one row per resource) built from ``ensure_<one resource>`` steps; ``find_*`` and ``delete_*``
(what cleanup runs); and a :class:`~helpers.resources.base.Kind` per resource type, which
``helpers.cleanup.KINDS`` puts in dependency order. ``helpers.prerequisites`` shows notebook 01's
steps as tables over these.

- ``roles``: IAM roles, the EC2 instance profile, ECS's service-linked role
- ``source_repository``: the CodeCommit repository and its three branches
- ``artifact_bucket``: the S3 bucket between pipeline stages
- ``approval_topic``: the SNS topic of Prod's manual approval
- ``image_repositories``: one ECR repository per environment
- ``network``: VPC, subnets, security groups
- ``load_balancer``: the ALB, its target groups and listeners
- ``clusters``: clusters, launch templates, Auto Scaling groups, capacity providers, instances
- ``services``: log groups, task definitions, services
- ``stacks``: the CloudFormation stacks and what they create (pipelines, rules, build projects)
"""
