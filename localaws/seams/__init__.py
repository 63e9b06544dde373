"""The seams: the only modules that touch other libraries' private names (one module per library).

The sandbox extends moto where moto has no public hook, so it needs a few of moto's internals (and one of
the standard library's). Each is used here and nowhere else, with the version it was read from, and has a
contract test in ``tests/seams/`` that fails by name when an upgrade changes it; outside the seams the kit
uses the public names these modules give them. ``tests/seams/test_no_private_names_outside_seams.py``
keeps it that way.
"""
