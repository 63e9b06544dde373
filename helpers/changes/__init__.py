"""Changes to the learner's source and pipelines: the app's message, commits and promotions, git, pipeline edits."""
