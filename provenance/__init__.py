"""provenance: find where text came from.

Scan a folder for passages reprinted verbatim or reused with edits, and see
which documents share them::

    >>> import provenance
    >>> report = provenance.scan(["samples"])  # doctest: +SKIP
"""

from provenance import cpu as _cpu

_cpu.tune_numpy()  # before anything imports numpy: see provenance.cpu

from provenance.config import Config  # noqa: E402
from provenance.errors import ConfigError, InputError, ProvenanceError  # noqa: E402
from provenance.models import Document, Match, Passage, Report, Skipped  # noqa: E402
from provenance.scan import Explanation, explain, scan  # noqa: E402

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
