"""CodeCommit's routes for moto's server: moto's URL pattern, answered by ``GitCodeCommitResponse``.

moto looks for a backend's routes in the ``urls`` module beside the module of its backend class, so it finds this
one once ``install`` has made the backend ours."""

from .responses import GitCodeCommitResponse

url_bases = [r"https?://codecommit\.(.+)\.amazonaws\.com"]

url_paths = {"{0}/$": GitCodeCommitResponse.dispatch}
