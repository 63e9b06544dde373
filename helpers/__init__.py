"""The ECS continuous-deployment workshop kit: what the notebooks call.

Every notebook cell is a short call into this package; the logic, the waits and the error messages
live here, where they are tested.
"""

__version__ = "0.1.0"
