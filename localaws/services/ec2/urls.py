from moto.ec2.urls import url_bases, url_paths

__all__ = ["url_bases", "url_paths"]
