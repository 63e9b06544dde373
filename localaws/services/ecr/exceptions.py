"""ECR's error codes that moto does not raise."""

from __future__ import annotations

from moto.core.exceptions import ServiceException


class ImageTagAlreadyExistsException(ServiceException):
    """PutImage of another image under a tag an immutable repository already has (moto answers
    ImageAlreadyExistsException, the code for the same image under the same tag)."""

    code = "ImageTagAlreadyExistsException"

    def __init__(self, repository_name: str, image_tag: str) -> None:
        super().__init__(
            f"The image tag '{image_tag}' already exists in the '{repository_name}' repository and cannot be "
            "overwritten because the repository is immutable."
        )
