"""The learner's own AWS permissions: every action the kit calls with the learner's identity
(``operations``), where each may act for one prefix (``scope``), the least-privilege policy that allows
exactly those (``policy``), and a preflight check that asks IAM's policy simulator which of them the
learner's identity lacks (``check``).

Event accounts often give participants a restricted role; the check names the missing actions up
front, before notebook 01 fails halfway.
"""

from .check import permissions_check, simulate
from .operations import INDIRECT_ACTIONS, KIT_OPERATIONS, UNSCOPED_ACTIONS, operation_actions, required_actions
from .policy import MANAGED_POLICY_LIMIT, learner_policy, learner_policy_documents
from .scope import Scope

__all__ = [
    "INDIRECT_ACTIONS",
    "KIT_OPERATIONS",
    "MANAGED_POLICY_LIMIT",
    "UNSCOPED_ACTIONS",
    "Scope",
    "learner_policy",
    "learner_policy_documents",
    "operation_actions",
    "permissions_check",
    "required_actions",
    "simulate",
]
