"""Gate: a policy over a check's report → one verdict per incoming document.

``check(paths, db, policy)`` compares incoming documents with an index and
with each other (``Index.compare``) and judges each one (``judge``):

* ``reused-<kind>``: a passage of the ``fail_on`` kind or a stronger one
  (``verbatim`` > ``near-verbatim`` > ``derivative``; boilerplate never fails);
  and a passage of a weaker kind (edited reuse: ``derivative``, or also
  ``near-verbatim`` when ``fail_on`` is ``verbatim``) once reused passages
  cover more than ``edited_share`` of the document (default 0.5): an edited
  copy of most of a document fails by default, a shared quote does not;
* ``uncredited-reuse`` replaces it with ``require_credit``: such a passage
  passes when a credit of the document that covers it names the passage's
  origin or a document it matches (its URL, its site or its name);
* ``max-reused-share``: more than ``max_reused_share`` of the document's text
  is covered by reused passages (boilerplate and allowed passages excluded).

An ``Allowlist`` holds reviewed exceptions by fingerprint: a document's
(``document:…``, its whole text) or a passage's (``passage:…``, its words),
each with a reason. Fingerprints hash normalised words, so reformatting or
moving a passage keeps its fingerprint. ``baseline`` turns today's findings
into an allowlist.

Decisions live here; ``provenance.formats`` only renders them.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from provenance.config import Config, make_config
from provenance.credits import names_outlet
from provenance.errors import ConfigError, InputError
from provenance.index import Index, Progress, read_documents
from provenance.models import (
    KIND_ORDER,
    Document,
    Kind,
    Passage,
    Report,
    covered_chars,
    origin_label,
)
from provenance.normalize import word_hashes
from provenance.read import Piped, nothing_read

FAIL_ON: tuple[Kind, ...] = ("verbatim", "near-verbatim", "derivative")
"""Values of ``Policy.fail_on``, strongest first."""

ALLOWLIST_SCHEMA = "provenance-allowlist/1"

EDITED_SHARE = 0.5
"""Default ``Policy.edited_share``: edited reuse of more than half a document fails."""

RULES: dict[str, str] = {
    "reused-verbatim": "A passage reprints text of another document word for word.",
    "reused-near-verbatim": "A passage reprints text of another document with small edits (similarity at least 0.9).",
    "reused-derivative": "A passage reuses text of another document with edits (with the default --fail-on, when reused passages cover more than --edited-share of the document).",
    "uncredited-reuse": "A reused passage does not credit its origin (--require-credit).",
    "max-reused-share": "More of the document's text is reused than --max-reused-share allows.",
}
"""Every rule id a verdict can name, with what it means (SARIF rule descriptions)."""


@dataclass(frozen=True)
class AllowEntry:
    """One reviewed exception."""

    fingerprint: str
    reason: str
    document: str | None = None
    excerpt: str | None = None


@dataclass(frozen=True)
class Allowlist:
    """Reviewed exceptions, by document or passage fingerprint."""

    entries: tuple[AllowEntry, ...] = ()

    def reason(self, fingerprint: str) -> str | None:
        """The reason an entry gives for this fingerprint, or None."""
        return self._by_fingerprint.get(fingerprint)

    @cached_property
    def _by_fingerprint(self) -> dict[str, str]:
        return {e.fingerprint: e.reason for e in self.entries}

    def merged(self, other: Allowlist) -> Allowlist:
        """Entries of both; this one's reason wins for a fingerprint in both."""
        seen = {e.fingerprint for e in self.entries}
        return Allowlist(tuple(sorted((*self.entries, *(e for e in other.entries if e.fingerprint not in seen)), key=lambda e: (e.document or "", e.fingerprint))))

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": ALLOWLIST_SCHEMA,
            "entries": [
                {k: v for k, v in (("fingerprint", e.fingerprint), ("reason", e.reason), ("document", e.document), ("excerpt", e.excerpt)) if v is not None}
                for e in self.entries
            ],
        }


def load_allowlist(path: str | os.PathLike[str]) -> Allowlist:
    """Read an allowlist file (JSON, ``provenance-allowlist/1``).

    Raises:
        InputError: the file cannot be read or is not an allowlist.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(f"{path}: cannot read the allowlist: {e.strerror or e}") from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: the allowlist is not valid JSON ({e}); write one with --write-allowlist") from e
    if not isinstance(data, dict) or data.get("schema") != ALLOWLIST_SCHEMA or not isinstance(data.get("entries"), list):
        raise InputError(f"{path}: not an allowlist (expected {{\"schema\": \"{ALLOWLIST_SCHEMA}\", \"entries\": [...]}}); write one with --write-allowlist")
    entries = []
    for n, raw in enumerate(data["entries"], start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("fingerprint"), str) or not isinstance(raw.get("reason"), str) or not raw["reason"].strip():
            raise InputError(f"{path}: entry {n} needs a string 'fingerprint' and a non-empty 'reason'")
        if not raw["fingerprint"].startswith(("document:", "passage:")):
            raise InputError(f"{path}: entry {n}: a fingerprint starts with 'document:' or 'passage:', got {raw['fingerprint']!r}")
        entries.append(AllowEntry(raw["fingerprint"], raw["reason"], raw.get("document"), raw.get("excerpt")))
    return Allowlist(tuple(entries))


def write_allowlist(allowlist: Allowlist, path: str | os.PathLike[str]) -> None:
    """Write an allowlist file (sorted, so that reviews see small diffs).

    Raises:
        InputError: the file cannot be written.
    """
    try:
        Path(path).write_text(json.dumps(allowlist.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as e:
        raise InputError(f"{path}: cannot write the allowlist: {e.strerror or e}") from e


def fingerprint(text: str, kind: str = "passage") -> str:
    """A stable fingerprint of a text's words (case, punctuation and spacing ignored).

    >>> fingerprint("The  cat, sat.") == fingerprint("the cat sat")
    True
    >>> fingerprint("the cat sat")
    'passage:d190b1c97ba9685a0186'
    """
    return f"{kind}:" + hashlib.blake2b(word_hashes(text).astype("<u8").tobytes(), digest_size=10).hexdigest()


@dataclass(frozen=True)
class Policy:
    """What fails a document.

    Attributes:
        fail_on: the weakest kind of reused passage that always fails.
        max_reused_share: fail when more than this share of the text is reused (None: no limit).
        require_credit: reused passages pass when the document credits their origin.
        allowlist: reviewed exceptions.
        edited_share: passages of a kind weaker than ``fail_on`` (edited
            reuse) fail too once the reused passages that are neither
            allowed nor credited cover more than this share of the document
            (1.0: never). The default, 0.5, fails a lightly edited copy of most
            of an article and passes pages that share a quote or a press
            statement with another (``python -m eval gate``).
    """

    fail_on: Kind = "near-verbatim"
    max_reused_share: float | None = None
    require_credit: bool = False
    allowlist: Allowlist = field(default_factory=Allowlist)
    edited_share: float = EDITED_SHARE

    def __post_init__(self) -> None:
        if self.fail_on not in FAIL_ON:
            raise ConfigError(f"fail_on must be one of {', '.join(FAIL_ON)}, got {self.fail_on!r}")
        for name in ("max_reused_share", "edited_share"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise ConfigError(f"{name} must be in [0, 1], got {value}")


@dataclass(frozen=True)
class Finding:
    """One reason a document fails (or would fail, when ``allowed`` says why not)."""

    rule: str
    document: str
    start: int
    end: int
    message: str
    fingerprint: str
    kind: Kind | None = None
    similarity: float | None = None
    matches: tuple[str, ...] = ()
    origin: str | None = None
    allowed: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "document": self.document, "start": self.start, "end": self.end,
            "kind": self.kind, "similarity": self.similarity, "matches": list(self.matches),
            "origin": self.origin, "fingerprint": self.fingerprint, "message": self.message, "allowed": self.allowed,
        }


@dataclass(frozen=True)
class Verdict:
    """Whether one document passes, and every finding behind it."""

    document: str
    passed: bool
    rules: tuple[str, ...]
    findings: tuple[Finding, ...]
    reused_share: float
    fingerprint: str

    @property
    def failures(self) -> tuple[Finding, ...]:
        """The findings that fail the document (not allowed)."""
        return tuple(f for f in self.findings if f.allowed is None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "document": self.document, "passed": self.passed, "rules": list(self.rules),
            "reused_share": round(self.reused_share, 4), "fingerprint": self.fingerprint,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True)
class CheckResult:
    """A check: the report, one verdict per incoming document, and what was added."""

    report: Report
    verdicts: tuple[Verdict, ...]
    policy: Policy
    db: str
    added: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts)

    def to_dict(self) -> dict[str, Any]:
        """The JSON report (``provenance-report/1``) plus ``verdicts``, ``db`` and ``added``."""
        data = self.report.to_dict()
        data["db"] = self.db
        data["verdicts"] = [v.to_dict() for v in self.verdicts]
        data["added"] = list(self.added)
        data["policy"] = {
            "fail_on": self.policy.fail_on, "max_reused_share": self.policy.max_reused_share,
            "require_credit": self.policy.require_credit, "allowlist_entries": len(self.policy.allowlist.entries),
            "edited_share": self.policy.edited_share,
        }
        return data

    def baseline(self, reason: str = "baseline: accepted when the allowlist was written") -> Allowlist:
        """Today's failing findings as allowlist entries (a document-wide
        entry for a ``max-reused-share`` failure)."""
        entries: dict[str, AllowEntry] = {}
        for v in self.verdicts:
            for f in v.failures:
                fp = v.fingerprint if f.rule == "max-reused-share" else f.fingerprint
                text = self.report.document(v.document).text
                excerpt = " ".join(text[f.start : f.end].split()[:12]) if f.rule != "max-reused-share" else None
                entries.setdefault(fp, AllowEntry(fp, reason, v.document, excerpt))
        return Allowlist(tuple(sorted(entries.values(), key=lambda e: (e.document or "", e.fingerprint))))


def judge(report: Report, checked: Sequence[str], policy: Policy) -> list[Verdict]:
    """Apply the policy to each checked document of a report (pure).

    Example:
        >>> from provenance.models import Report, Document
        >>> judge(Report((Document("a", "text", "a"),), ()), ["a"], Policy())[0].passed
        True
    """
    by_id = {d.id: d for d in report.documents}
    worst = KIND_ORDER.index(policy.fail_on)
    verdicts = []
    for doc_id in sorted(checked):
        doc = by_id[doc_id]
        doc_fp = fingerprint(doc.text, "document")
        doc_allowed = policy.allowlist.reason(doc_fp)
        findings: list[Finding] = []
        weaker: list[Finding] = []  # fail only past edited_share
        reused: list[tuple[int, int]] = []
        unexcused: list[tuple[int, int]] = []  # neither allowed nor credited
        for p in report.passages_of(doc_id):
            if p.kind == "boilerplate":
                continue
            fp = fingerprint(p.text)
            allowed = doc_allowed or policy.allowlist.reason(fp)
            if allowed is None:
                reused.append((p.start, p.end))
            credited = policy.require_credit and _credited(doc, p, by_id)
            if allowed is None and not credited:
                unexcused.append((p.start, p.end))
            if credited:
                continue
            origin = origin_label(p.origin)
            others = tuple(sorted({m.document for m in p.matches}))
            where = f"{p.kind} reuse of {', '.join(others)}" + (f" (origin: {origin})" if origin else "")
            if policy.require_credit:
                rule, message = "uncredited-reuse", f"{where}, and no credit of this document covering it names the origin"
            else:
                rule, message = f"reused-{p.kind}", where
            finding = Finding(rule, doc_id, p.start, p.end, message, fp, p.kind, p.similarity, others, origin, allowed)
            (findings if KIND_ORDER.index(p.kind) <= worst else weaker).append(finding)
        share = covered_chars(reused) / max(1, doc.chars)
        edited_share = covered_chars(unexcused) / max(1, doc.chars)
        if weaker and edited_share > policy.edited_share:
            findings.extend(replace(f, message=f"{f.message}; reused passages cover {edited_share:.0%} of the document, more than the {policy.edited_share:.0%} --edited-share allows") for f in weaker)
        if policy.max_reused_share is not None and share > policy.max_reused_share:
            message = f"{share:.1%} of the text is reused, more than the {policy.max_reused_share:.1%} allowed"
            findings.append(Finding("max-reused-share", doc_id, 0, doc.chars, message, doc_fp, allowed=doc_allowed))
        findings.sort(key=lambda f: (f.start, f.end, f.rule))
        failing = [f for f in findings if f.allowed is None]
        verdicts.append(Verdict(doc_id, not failing, tuple(sorted({f.rule for f in failing})), tuple(findings), share, doc_fp))
    return verdicts


def _credited(doc: Document, p: Passage, docs: dict[str, Document]) -> bool:
    """Whether a credit of ``doc`` covering the passage names its origin or a document it matches."""
    covering = [c for c in doc.credits if c.covers(p.start, p.end)]
    if not covering:
        return False
    targets: list[Document] = [docs[m.document] for m in p.matches if m.document in docs]
    if p.origin is not None and p.origin.document in docs:
        targets.append(docs[p.origin.document])
    outlets = [(t.url, t.site, None) for t in targets]
    if p.origin is not None:
        outlets.append((p.origin.url, None, p.origin.name))
    return any(names_outlet(c, url=url, site=site, name=name) for c in covering for url, site, name in outlets)


def check(
    paths: Iterable[str | os.PathLike[str] | Piped],
    db: str | os.PathLike[str],
    policy: Policy | None = None,
    config: Config | None = None,
    *,
    add_on_pass: bool = False,
    allow_empty: bool = False,
    progress: Progress | None = None,
    **overrides: Any,
) -> CheckResult:
    """Check incoming documents against the index at ``db`` and each other.

    Args:
        paths: the incoming files and folders.
        db: the index URL; with ``add_on_pass`` it is made when absent.
        policy: what fails a document (default ``Policy()``).
        add_on_pass: add the documents that pass to the index.
        allow_empty: no readable document under the paths is no error.

    Returns:
        The report and one verdict per incoming document, sorted by id.

    Raises:
        InputError: a path does not exist, or no document could be read
            under the paths (unless ``allow_empty``).
        StoreError: the index cannot be opened, read or written.
        SettingsMismatch: the index was built with other settings.

    Example:
        >>> result = check(["incoming/"], "corpus.db")  # doctest: +SKIP
        >>> [v.document for v in result.verdicts if not v.passed]  # doctest: +SKIP
        ['incoming/copy.txt']
    """
    policy = policy or Policy()
    paths = list(paths)
    docs, skipped, warnings = read_documents(paths, make_config(config, **overrides), progress)
    if not docs and not allow_empty:
        # A mistyped CI path must not pass the gate with "0 passed, 0 failed" (issue 13).
        raise InputError(f"{nothing_read(paths, skipped)}; check the path, or pass --allow-empty if nothing to check is fine")
    with Index.open(db, config, create=add_on_pass, **overrides) as index:
        report = index.compare(docs, skipped=skipped, warnings=warnings)
        verdicts = judge(report, [d.id for d in docs], policy)
        added: list[str] = []
        if add_on_pass:
            passing = {v.document for v in verdicts if v.passed}
            outcome = index.add_documents([d for d in docs if d.id in passing], progress=progress, total=len(passing))
            added = sorted(outcome["added"] + outcome["replaced"])
        return CheckResult(report, tuple(verdicts), policy, index.url, tuple(added))
