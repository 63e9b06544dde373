"""ECR's routes for moto's server: moto's URL pattern, answered by ``RegistryECRResponse`` (moto's, plus the
lifecycle policy previews).

moto looks for a backend's routes in the ``urls`` module beside the module of its backend class; the sandbox's
ECR backend lives in this package, so this module hands moto its ``url_bases`` and ``url_paths``."""

from moto.ecr.urls import url_bases

from .responses import RegistryECRResponse

url_paths = {"{0}/$": RegistryECRResponse.dispatch}

__all__ = ["url_bases", "url_paths"]
