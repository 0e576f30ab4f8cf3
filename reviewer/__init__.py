"""reviewer: turn customer–engineer support conversations into clean fine-tuning datasets."""

__version__ = "0.1.0"
