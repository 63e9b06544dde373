"""CodePipeline's routes for moto's server: moto's URL pattern, answered by ``EnginePipelineResponse``.

moto looks for a backend's routes in the ``urls`` module beside the module of its backend class, so it finds this
one once ``install`` has made the backend ours."""

from .responses import EnginePipelineResponse

url_bases = [r"https?://codepipeline\.(.+)\.amazonaws\.com"]

url_paths = {"{0}/$": EnginePipelineResponse.dispatch}
