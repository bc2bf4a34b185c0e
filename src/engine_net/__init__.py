"""engine_net: the application on top of ``engine`` and ``net``.

The ``engine-net`` command line (``cli``), ``fetch``, the demo and its server, and the
editor-style inspector. Nothing below imports this package.
"""
