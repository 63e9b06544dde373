from .responses import TaggedProfilesIamResponse

url_bases = [r"https?://iam\.(.*\.)?amazonaws\.com"]

url_paths = {"{0}/$": TaggedProfilesIamResponse.dispatch}
