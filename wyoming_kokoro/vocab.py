"""Kokoro's phoneme vocabulary: the 114 symbols of Kokoro-82M's ``config.json`` and their ids.

A leaf of its own because two layers share it: the G2P must produce these symbols (the user lexicon is checked
against them) and the engine turns them into ids.
"""

from __future__ import annotations

import json
from importlib import resources

VOCAB: dict[str, int] = json.loads(
    resources.files(__package__).joinpath("data", "vocab.json").read_text(encoding="utf-8")
)
