"""Pictures for the notebooks, drawn as SVG from what AWS says rather than from a fixed drawing:
a pipeline from its own definition (``get_pipeline``) coloured by its latest run
(``get_pipeline_state``), and the architecture labelled with this workshop's names and URLs.

This module asks AWS (and the state file) for what to draw; ``helpers.views.pictures`` draws it. Each picture also
has a plain-text form, so a notebook run headless (papermill) records what it showed.
"""

from __future__ import annotations

from .core.context import Workshop
from .core.environments import ENV_LABELS, ENVIRONMENTS
from .core.state import WorkshopState
from .inventory import environment_urls
from .views.pictures import Picture, draw_architecture, draw_pipeline, stack


# -- a pipeline, from its definition and its state ---------------------------------------------------
def pipeline(workshop: Workshop, environment: str) -> Picture:
    """Draw one environment's pipeline as CodePipeline defines it, coloured by its latest run.

    Stages are drawn left to right as CodePipeline runs them, with their actions inside in ``runOrder``
    (the manual approval has a hand and the topic it notifies). Each stage and action is coloured by
    the status of its latest execution: green succeeded, red failed, blue running, amber waiting for
    an approval, grey never run or superseded.

    Parameters
    ----------
    workshop
        The workshop of notebook 00.
    environment
        ``"dev"``, ``"qa"`` or ``"prod"``.

    Returns
    -------
    Picture
        The drawing (SVG); its text form lists each stage with its status and actions.
    """
    codepipeline = workshop.client("codepipeline")
    name = workshop.names.pipeline(environment)
    declaration = codepipeline.get_pipeline(name=name)["pipeline"]
    state = codepipeline.get_pipeline_state(name=name)
    return draw_pipeline(declaration, state, title=f"{ENV_LABELS[environment]}: pipeline {name}")


def pipelines(workshop: Workshop) -> Picture:
    """Draw the three pipelines (Dev, QA, Prod), one under the other, each as ``pipeline`` draws it.

    Returns
    -------
    Picture
        One drawing of the three pipelines; its text form lists each pipeline's stages.
    """
    return stack([pipeline(workshop, env) for env in ENVIRONMENTS])


# -- the architecture, with this workshop's names ----------------------------------------------------
def architecture(workshop: Workshop | WorkshopState) -> Picture:
    """Draw what the workshop builds, labelled with this workshop's own names and URLs.

    One row per environment: its branch of the CodeCommit repository, its pipeline (Prod with the
    manual approval and its SNS topic), the two shared CodeBuild projects, its ECR repository, its ECS
    cluster and service, and the URL of its load balancer listener (known once notebook 01 has made it).

    Parameters
    ----------
    workshop
        The workshop (or, in notebook 00, its saved state).

    Returns
    -------
    Picture
        The drawing (SVG); its text form lists the same names, one environment per line.
    """
    if isinstance(workshop, WorkshopState):
        workshop = Workshop(workshop)
    urls = environment_urls(workshop)  # no call at all before notebook 01 has made the load balancer
    return draw_architecture(workshop.prefix, workshop.settings, urls)
