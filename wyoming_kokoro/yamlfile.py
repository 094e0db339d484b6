"""Reading a YAML file with errors that name it: one reader for the settings file and the user lexicon."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def read_yaml(path: str | Path, what: str, error: type[ValueError]) -> Any:
    """The YAML document in ``path``; ``error`` naming ``what`` it is (e.g. "config file") and the path when the
    file cannot be read or is not valid YAML."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise error(f"{what} {str(path)!r} cannot be read: {err.strerror or err}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise error(f"{what} {str(path)!r} is not valid YAML: {err}") from None
