"""boto3 sessions on one shared botocore model loader: the leaf every module that needs a session imports
(``clients`` for the kit's clients, ``regions`` for the partition and region lists), so neither imports the other."""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import boto3
import botocore.loaders
import botocore.session


@cache
def _shared_loader() -> botocore.loaders.Loader:
    """botocore's model loader, shared by every session the kit makes. Each new session would
    otherwise parse botocore's JSON models again (the endpoint list alone takes about 0.1 s of CPU);
    a kernel makes a session per region, per profile and after each ``reset()``."""
    return botocore.loaders.create_loader()


_LOADER_LOCK = threading.Lock()


def new_session(**options: Any) -> boto3.Session:
    """``boto3.Session(**options)`` on the shared model loader. Use it instead of ``boto3.Session``."""
    return new_sessions(**options)[0]


def new_sessions(**options: Any) -> tuple[boto3.Session, botocore.session.Session]:
    """A boto3 session and the botocore session under it (made here, so the kit need not ask boto3 for it)."""
    core = botocore.session.Session()
    loader = _shared_loader()
    core.register_component("data_loader", loader)
    with _LOADER_LOCK:
        made = boto3.Session(botocore_session=core, **options)
        # boto3 appends its own folder to the loader's search path once per session: keep one of each.
        loader.search_paths[:] = list(dict.fromkeys(loader.search_paths))
    return made, core
