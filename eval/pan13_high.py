"""PAN 2013 training corpus, as :mod:`eval.pan13`, scanned with ``--sensitivity high``.

The rewritten-reuse channel (:mod:`provenance.rewrite`, :mod:`provenance.coarse`)
is an option because it costs several times the default scan; its figures
are measured here, on the same pairs and with the same scorer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import provenance
from eval import pan13

FOLDER = pan13.FOLDER


def run(root: Path, config: provenance.Config | None = None) -> dict[str, Any]:
    """Evaluate the whole training corpus with high sensitivity (other settings as given)."""
    return pan13.evaluate(root / FOLDER, config=(config or provenance.Config()).with_overrides(sensitivity="high"))
