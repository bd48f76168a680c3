from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
EVAL = Path(os.environ.get("PROVENANCE_EVAL_DIR") or ROOT.parent / "shared" / "eval")


def eval_path(*parts: str) -> Path:
    """A path under ``../shared/eval`` that a test needs.

    Missing, the test is skipped on a developer's machine; on CI (``CI`` set
    to ``true`` or ``1``, as CI services and ``.ci/run`` do) it fails, so the
    tests that read the evaluation corpora can never pass by not running.
    """
    path = EVAL.joinpath(*parts)
    if not path.exists():
        message = f"../shared/eval not found: {path} is missing (set PROVENANCE_EVAL_DIR)"
        if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
            pytest.fail(f"{message}; CI must run the tests that read it", pytrace=False)
        pytest.skip(message)
    return path

# On CI the property tests draw the same examples every run (hypothesis'
# derandomize): a red CI run names a regression, never an unlucky draw. On a
# developer's machine they keep exploring new examples.
if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
    settings.load_profile("ci")

pytest_plugins = ["tests.servers"]  # redis_server, redis_url, db_url: index tests on both backends


@pytest.fixture(scope="session")
def samples_report():
    import provenance

    return provenance.scan([SAMPLES])


@pytest.fixture
def corpus(tmp_path):
    """Factory: write {name: text} into a fresh folder and return its path."""

    def make(files: dict[str, str | bytes]) -> Path:
        for name, content in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return tmp_path

    return make


WORDS = ["river", "council", "market", "winter", "harvest", "policy", "engine", "garden", "letter", "museum", "station", "theory", "bridge", "doctor", "village", "signal", "planet", "budget", "silver", "forest", "camera", "ladder", "window", "history", "picture", "orange", "journey", "protein", "network", "capital", "crystal", "machine", "pattern", "shelter", "science", "thunder", "vessel", "climate", "harbour", "victory", "segment", "library", "balance", "quarter", "fortune", "diamond", "lantern", "compass", "meadow", "pillar", "ocean", "valley", "desert", "canyon", "island", "glacier", "prairie", "tundra", "lagoon", "summit", "plateau", "delta", "estuary"]


def random_text(rng: random.Random, n_words: int, vocab: list[str] | None = None) -> str:
    """Sentences of random words (a different vocabulary order per seed keeps texts unrelated)."""
    vocab = vocab or WORDS
    out, sentence = [], []
    for _ in range(n_words):
        sentence.append(rng.choice(vocab))
        if len(sentence) >= rng.randint(8, 20):
            out.append(" ".join(sentence).capitalize() + ".")
            sentence = []
    if sentence:
        out.append(" ".join(sentence).capitalize() + ".")
    return " ".join(out)
