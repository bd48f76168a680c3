"""Exceptions raised by provenance.

The tree::

    ProvenanceError
     ├── ConfigError        a setting is out of range or inconsistent
     ├── InputError         a path given to the library cannot be used at all
     ├── WorkerError        worker processes cannot be started
     └── StoreError         an index cannot be opened, read or written
          ├── IndexDamaged       what an index holds cannot be read back: rebuild it
          └── SettingsMismatch   an index was built with other fingerprint settings

Problems with single files never raise: they become ``Skipped`` entries in the
report so that the rest of a scan goes on.
"""

from __future__ import annotations


class ProvenanceError(Exception):
    """Base class of every error provenance raises on purpose."""


class ConfigError(ProvenanceError, ValueError):
    """A setting is out of range or inconsistent with another."""


class InputError(ProvenanceError):
    """A path given to the library does not exist or cannot be read at all."""


class WorkerError(ProvenanceError):
    """Worker processes cannot be started (a process limit, no memory left)."""


class StoreError(ProvenanceError):
    """An index (``--db``) cannot be opened, read or written: bad URL, corrupt or foreign file, server down."""


class IndexDamaged(StoreError):
    """What an index holds cannot be read back (corrupt pages, a damaged entry, missing rows): rebuild it."""


class SettingsMismatch(StoreError, ConfigError):
    """An index was built with other fingerprint settings than the ones asked for."""
