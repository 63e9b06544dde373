"""CodeBuild's routes for moto's server: moto's URL pattern, answered by ``RunningCodeBuildResponse``.

moto looks for a backend's routes in the ``urls`` module beside the module of its backend class, so it finds this
one once ``install`` has made the backend ours."""

from .responses import RunningCodeBuildResponse

url_bases = [r"https?://codebuild\.(.+)\.amazonaws\.com"]

url_paths = {"{0}/$": RunningCodeBuildResponse.dispatch}
