"""Stand-ins for the tools a CodeBuild image has and this machine may not: ``docker``."""
