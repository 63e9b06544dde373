"""What moto recomputes on every request, computed once per process.

- ``moto.backends.list_of_moto_modules`` lists moto's folder and stats each entry; moto's dispatcher
  calls it for every request to find the request's backend.
- moto's service-model loading makes a new botocore loader (``moto.core.utils.create_loader``) for each
  service model, and a new loader lists all of botocore's some 400 service folders again before it reads one.
- moto's error serializer asks ``moto.core.utils.service_name_from_moto_package_name`` for every error answer, and
  it makes a new botocore session that lists those folders again (a polled ``Describe*`` of something absent, or an
  IAM denial, is an error answer: a few ms of CPU each).

These answers cannot change while the process runs (they come from installed packages).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from moto import backends
from moto.core import utils

from ..seams import moto as moto_seam


def install() -> None:
    """Called once, by ``services.install()``."""

    listed = tuple(backends.list_of_moto_modules())

    def list_of_moto_modules() -> Iterable[str]:
        return listed

    moto_seam.patch(backends, "list_of_moto_modules", list_of_moto_modules)
    moto_seam.patch(utils, "create_loader", cache(utils.create_loader))
    moto_seam.patch(utils, "service_name_from_moto_package_name", cache(utils.service_name_from_moto_package_name))
