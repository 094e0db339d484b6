"""Wyoming-protocol text-to-speech server speaking with Kokoro-82M."""

__version__ = "0.1.0"
