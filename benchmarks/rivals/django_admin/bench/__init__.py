"""The ``bench`` app: unmanaged models over the portal's tables and their admin."""
