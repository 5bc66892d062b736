"""The platform's shipped YAML documents (the contract, the matter catalog,
the request catalog), parsed once per process.

Every reference platform a test, a probe or the virtual hut starts read
them again: PyYAML's pure-Python parser takes about 0.2 s of CPU for the
three, and a test run starts a few hundred platforms.  libyaml's parser
(PyYAML's ``CSafeLoader``, in its wheels) gives the same objects about
eight times faster, and a document is parsed once; callers get their own
copy, since some take parts out of theirs.
"""

from __future__ import annotations

import copy
import functools
from importlib import resources
from typing import Any

import yaml

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml where PyYAML was built with it


@functools.cache
def _parsed(package: str, name: str) -> Any:
    return yaml.load(resources.files(package).joinpath(name).read_text("utf-8"), Loader=_LOADER)


def shipped(package: str, name: str) -> Any:
    """The document ``name`` of ``package``, parsed (once), as a copy of the caller's own."""
    return copy.deepcopy(_parsed(package, name))
