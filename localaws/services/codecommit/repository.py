"""A CodeCommit repository as moto models it, backed by a real bare git repository."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from moto.codecommit.models import CodeCommit
from moto.core.utils import iso_8601_datetime_with_milliseconds

from ... import routes
from .. import loopback
from .git import BareRepository

FILE_MODES = {"NORMAL": "100644", "EXECUTABLE": "100755", "SYMLINK": "120000"}
MODE_NAMES = {v: k for k, v in FILE_MODES.items()}


class GitRepository(CodeCommit):
    """A CodeCommit repository: moto's metadata plus a bare git repository and tags."""

    def __init__(
        self,
        account_id: str,
        region: str,
        description: str,
        name: str,
        git_path: Path,
        tags: dict[str, str] | None = None,
    ) -> None:
        super().__init__(account_id, region, description, name)
        self.git = BareRepository(git_path)
        self.git.init()
        if loopback.endpoint():
            self.repository_metadata["cloneUrlHttp"] = routes.clone_url(loopback.endpoint(), region, name)
        self.tags: dict[str, str] = dict(tags or {})
        self.lock = threading.RLock()

    @property
    def name(self) -> str:
        return str(self.repository_metadata["repositoryName"])

    @property
    def arn(self) -> str:
        return str(self.repository_metadata["Arn"])

    def touch(self) -> None:
        self.repository_metadata["lastModifiedDate"] = iso_8601_datetime_with_milliseconds()

    def metadata(self) -> dict[str, Any]:
        data = dict(self.repository_metadata)
        default = self.git.default_branch()
        if default:
            data["defaultBranch"] = default
        return data
