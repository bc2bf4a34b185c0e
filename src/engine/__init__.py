"""engine: the binding layer (``engine.object_model``), its generated docs and the CLI."""
