"""Speed, memory and recall benchmark for ``provenance.scan``.

Run as ``python -m bench`` (``make bench``). It generates synthetic corpora
with planted reprints (:mod:`bench.corpus`), scans each in a fresh process
(:mod:`bench.run_one`), times plain per-document ``datasketch.MinHash``
fingerprinting over the same text (:mod:`bench.baseline`), scores recall of
the planted passages (:mod:`bench.recall`) and prints and saves the figures
(:mod:`bench.results`).
"""
