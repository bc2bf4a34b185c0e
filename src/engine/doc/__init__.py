"""Class reference writers: the XML file, GDNative ``api.json`` and the seed-style text page.

Everything is generated from ClassDB alone (object_model_reference.md §5): ``model`` reads one
class out of ClassDB into plain records, and ``xml``, ``api_json`` and ``text`` (with
``markup`` and ``spelling``) turn those records into documents; nothing is written by hand per
class. Imports ``engine.object_model`` (and pydantic for the api.json model), never ``net``:
arrows point down, so it documents whatever is registered when it is called (import ``net``
first to include the network classes). Python-only entry points: an unknown class raises
``UnknownClassError``.
"""

from __future__ import annotations

import json

from .api_json import api_class, api_json_text
from .model import UnknownClassError, class_doc
from .text import class_text
from .xml import class_xml_text

__all__ = ["UnknownClassError", "api_json", "class_json", "class_page", "class_xml"]


def class_page(name: str) -> str:
    """The text page of class ``name``, laid out like the seed ``HTTPClient.txt``."""
    return class_text(class_doc(name))


def class_xml(name: str) -> str:
    """The class reference XML (``doc/classes/<name>.xml``) of class ``name``."""
    return class_xml_text(class_doc(name))


def api_json() -> str:
    """GDNative ``api.json`` (3.x shape) for every class registered in ClassDB."""
    return api_json_text()


def class_json(name: str) -> str:
    """The ``api.json`` entry of class ``name`` alone, in the same JSON style."""
    entry = api_class(class_doc(name, with_defaults=False)).model_dump()
    return json.dumps(entry, indent="\t", ensure_ascii=False) + "\n"
