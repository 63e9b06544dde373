"""The error notebook 04's release steps raise (a commit, a promotion, an approval, a pipeline edit)."""

from .errors import WorkshopError


class ReleaseError(WorkshopError):
    """A step of the release flow could not be done; the message says why and what to do."""
