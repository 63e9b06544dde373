from .responses import GitCodeCommitResponse

url_bases = [r"https?://codecommit\.(.+)\.amazonaws\.com"]

url_paths = {"{0}/$": GitCodeCommitResponse.dispatch}
