from .responses import RunningCodeBuildResponse

url_bases = [r"https?://codebuild\.(.+)\.amazonaws\.com"]

url_paths = {"{0}/$": RunningCodeBuildResponse.dispatch}
