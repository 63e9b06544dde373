"""ECS's routes for moto's server: moto's URL pattern, answered by ``ServingECSResponse``.

moto looks for a backend's routes in the ``urls`` module beside the module of its backend class, so it finds this
one once ``install`` has made the backend ours."""

from .responses import ServingECSResponse

url_bases = [r"https?://ecs\.(.+)\.amazonaws\.com"]

url_paths = {"{0}/$": ServingECSResponse.dispatch}
