"""IAM's routes for moto's server: moto's URL pattern, answered by ``TaggedProfilesIamResponse``.

moto looks for a backend's routes in the ``urls`` module beside the module of its backend class, so it finds this
one once ``install`` has made the backend ours."""

from .responses import TaggedProfilesIamResponse

url_bases = [r"https?://iam\.(.*\.)?amazonaws\.com"]

url_paths = {"{0}/$": TaggedProfilesIamResponse.dispatch}
