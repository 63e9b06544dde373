"""S3's routes for moto's server, moto's own, unchanged.

moto looks for a backend's routes in the ``urls`` module beside the module of its backend class; the sandbox's
S3 backend lives in this package, so this module hands moto its own ``url_bases`` and ``url_paths``."""

from moto.s3.urls import url_bases, url_paths

__all__ = ["url_bases", "url_paths"]
