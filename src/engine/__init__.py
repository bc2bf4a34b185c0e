"""engine: the binding layer (``engine.object_model``) and its generated docs.

It knows no networking: ``net`` and ``engine_net`` build on it, never the reverse.
"""
