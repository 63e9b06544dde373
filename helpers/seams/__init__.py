"""The seams: the only modules of ``helpers`` that touch other libraries' private names (one per library).

Each use carries the version it was read from and has a contract test in ``tests/seams/`` that fails by name
when an upgrade changes it. ``tests/seams/test_no_private_names_outside_seams.py`` keeps them here.
"""
