"""localaws: an offline AWS endpoint on 127.0.0.1 for the ECS continuous-deployment workshop.

moto's server plus extensions that really run what the workshop needs: CodeCommit on git, CodeBuild
that runs buildspecs, CodePipeline executions, ECS services as local processes behind listening
load-balancer ports. One package per extended service under ``services/``, laid out like moto's own
(``models.py`` state, ``responses.py`` wire layer, ``exceptions.py`` AWS's error codes, ``urls.py``).

Programs outside the emulator use :mod:`localaws.api` only; the rest is the emulator's inside.
"""
