"""Detection quality on independent labelled corpora (``python -m eval``, ``make eval``).

Each corpus has a module with ``run(root: Path) -> dict``, where ``root`` is
the folder holding every corpus (``../shared/eval`` from the repository root,
or ``$PROVENANCE_EVAL_DIR``):

- :mod:`eval.clough`: Clough & Stevenson plagiarised short answers;
- :mod:`eval.pan`: PAN 2013 text alignment, no obfuscation (are the pairs linked?);
- :mod:`eval.pan13`: PAN 2013 text-alignment training corpus, five sub-corpora, scored PAN's way (plagdet);
- :mod:`eval.pan13_high`: the same with `--sensitivity high` (the rewritten-reuse channel);
- :mod:`eval.news`: main-text extraction from news HTML (Article Extraction Benchmark);
- :mod:`eval.dates`: publication dates of news pages (when present).
- :mod:`eval.origins`: origin accuracy on reprints planted from the news pages.

Pure scoring lives in :mod:`eval.scoring`; the corpora are read in place,
never copied into the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "PROVENANCE_EVAL_DIR"


def eval_dir() -> Path:
    """The folder holding the corpora: ``$PROVENANCE_EVAL_DIR``, else ``../shared/eval``."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[1].parent / "shared" / "eval"
