"""cloudwarden: audit AWS accounts against Mozilla's AWS Security guidelines."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cloudwarden")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
