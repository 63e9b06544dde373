from .responses import EnginePipelineResponse

url_bases = [r"https?://codepipeline\.(.+)\.amazonaws\.com"]

url_paths = {"{0}/$": EnginePipelineResponse.dispatch}
