"""ECR backend state: moto's, with PutImage answering RepositoryNotFoundException (moto fails with a
bare exception, an HTTP 500) when the repository does not exist, as a registry push must report."""

from __future__ import annotations

from typing import Any

from moto.ecr.exceptions import RepositoryNotFoundException
from moto.ecr.models import ECRBackend


class RegistryECRBackend(ECRBackend):
    def put_image(self, repository_name: str, *args: Any, **kwargs: Any) -> Any:
        if repository_name not in self.repositories:
            raise RepositoryNotFoundException(repository_name, self.account_id)
        return super().put_image(repository_name, *args, **kwargs)
