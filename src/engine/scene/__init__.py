"""The scene layer: ``Node``, ``MainLoop``, ``SceneTree`` (with ``SceneTreeTimer``) and ``Timer``.

Only what hosting nodes that poll needs (httprequest.md §1). Importing this package registers
the five classes in ClassDB. It imports ``engine.object_model`` only, never ``net``.
"""

from engine.scene.node import Node
from engine.scene.scene_tree import MainLoop, SceneTree, SceneTreeTimer
from engine.scene.timer import Timer

__all__ = ["MainLoop", "Node", "SceneTree", "SceneTreeTimer", "Timer"]
