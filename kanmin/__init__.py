from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kanmin")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0"
