from .responses import ActivitiesAutoScalingResponse

url_bases = [r"https?://autoscaling\.(.+)\.amazonaws\.com"]

url_paths = {"{0}/$": ActivitiesAutoScalingResponse.dispatch}
