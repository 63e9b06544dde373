"""Workshops that several test files share (issue 26, item 2): a file that only reads or extends a workshop through
notebook 03 asks for one of these instead of building a workshop of its own.

Each is built once per pytest-xdist worker (session scope) and cleaned up when that worker has run its last test. The
files that use one carry ``pytest.mark.xdist_group`` with its group name: `make test` runs with ``--dist loadgroup``,
which hands a group's files to one worker, one after the other (every other file is a group of its own, see
``tests/file_order.py``), so the workshop is built once, not once per file.

Files that build their own say why in their fixture: they change what a shared one would need unchanged (an account
setting, a fault), start from nothing (notebooks 00 and 01 themselves, a new account, an event's participants), or
need another backend mode (Docker)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from localaws import api
from tests.helpers_for_tests import provision, unique

#: The group of the files that share an EC2 workshop (EC2, so that the instance role acts too).
EC2_WORKSHOP_GROUP = "shared-ec2-workshop"


@contextlib.contextmanager
def quick_account() -> Iterator[None]:
    """IAM's propagation of new roles and instance profiles and the services' draining are no subject of the files
    that share a workshop (test_real_account_fixes.py's and the workshop flows' are): the sandbox's account skips
    both while a shared workshop is set up, used and cleaned up."""
    api.configure_account({"iam_propagation_seconds": 0, "service_draining_seconds": 0})
    try:
        yield
    finally:
        api.reset_account()


@pytest.fixture(scope="session")
def shared_ec2_workshop() -> Iterator[Any]:
    """An EC2 workshop through notebook 03, for the files of ``EC2_WORKSHOP_GROUP``. A file may change it (a commit,
    a role's policy, an approval) but leaves it as it found it: serving, its pipelines able to run."""
    from helpers import cleanup

    with quick_account():
        workshop = provision(unique("shared"), launch_type="EC2")
    try:
        yield workshop
    finally:
        with quick_account():
            cleanup.cleanup(workshop)
