"""Errors the kit raises on purpose: each message says what went wrong and what to do next."""


class WorkshopError(Exception):
    """Base class: shown to learners as a short message, not a traceback wall."""

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing the full traceback.
        return [f"\x1b[31m{type(self).__name__}\x1b[0m: {self}"]


class InvalidSettingError(WorkshopError, ValueError):
    """A setting (prefix, region, launch type, ...) is not usable."""


class StateFileError(WorkshopError):
    """The state file is missing or cannot be read."""


class SandboxError(WorkshopError):
    """The local sandbox endpoint could not be started or reached."""


class CredentialsError(WorkshopError):
    """No usable AWS credentials for the aws backend."""


class ResourceConflictError(WorkshopError):
    """A resource with a name the kit needs exists but was not created by this workshop."""

    def __init__(self, kind: str, name: str, prefix: str) -> None:
        super().__init__(
            f"A {kind} named {name!r} already exists but was not created by workshop {prefix!r} (it has no "
            f"tag workshop:prefix={prefix}). The kit will not reuse or delete it: choose another prefix in "
            "notebook 00, or remove it yourself if it is yours."
        )


class ReleaseError(WorkshopError):
    """A step of notebook 04's release flow (a commit, a promotion, an approval, a pipeline edit) could not
    be done; the message says why and what to do."""


class ResourcesGoneError(WorkshopError):
    """The state file lists the workshop's environments, but the sandbox or account no longer has them."""
