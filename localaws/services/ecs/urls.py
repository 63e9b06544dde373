from .responses import ServingECSResponse

url_bases = [r"https?://ecs\.(.+)\.amazonaws\.com"]

url_paths = {"{0}/$": ServingECSResponse.dispatch}
