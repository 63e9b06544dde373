"""The leaf layer: settings, names, state, the one client factory, regions, timing and errors.

Nothing here imports from the rest of ``helpers`` (``tests/test_layers.py`` checks it); every other layer builds on
it.
"""
