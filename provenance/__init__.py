"""provenance: find where text came from.

Scan a folder for passages reprinted verbatim or reused with edits, and see
which documents share them::

    >>> import provenance
    >>> report = provenance.scan(["samples"])  # doctest: +SKIP
"""

from provenance.config import Config
from provenance.errors import ConfigError, InputError, ProvenanceError
from provenance.models import Document, Match, Passage, Report, Skipped
from provenance.scan import Explanation, explain, scan

__all__ = [
    "Config",
    "ConfigError",
    "Document",
    "Explanation",
    "InputError",
    "Match",
    "Passage",
    "ProvenanceError",
    "Report",
    "Skipped",
    "explain",
    "scan",
]
