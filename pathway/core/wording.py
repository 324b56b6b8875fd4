"""Sources as a clinician reads them (issue 16: no developer reference on a screen). The rules keep
their provenance for the specification (domain.md section 0: an evidence tag such as [A] or [S], and
citations such as [R27]); a page shows the source's name and what the tag means, in words."""

from __future__ import annotations

import re

EVIDENCE_WORDS = {
    "A": "authoritative guidance",
    "E": "published study",
    "S": "summary of guidance, to be confirmed locally",
    "I": "local decision",
    "U": "not verified",
    "L": "patient leaflet",
}
_TAG = re.compile(r"\[([AESIUL])(?:-[a-z]+)?\]")
_CITATION = re.compile(r"\s*\[R\d+[a-z]?\]")
_SPEC = re.compile(r",?\s*\b(?:domain|design)\.md(?: section)?(?: \d+(?:\.\d+)*)?")


def source_for_clinicians(source: str, evidence_tag: str = "") -> str:
    """`source` without specification references or citation marks, followed by what `evidence_tag`
    means: "2023 ACC/AHA/ACCP/HRS AF guideline Table 18 (authoritative guidance)"."""
    text = _CITATION.sub("", _SPEC.sub("", source))
    text = _TAG.sub("", text)
    text = re.sub(r"\s+([,;.)])", r"\1", re.sub(r"\s{2,}", " ", text)).strip(" ,;")
    words = []
    for tag in _TAG.findall(evidence_tag):
        if EVIDENCE_WORDS[tag] not in words and EVIDENCE_WORDS[tag] not in text:
            words.append(EVIDENCE_WORDS[tag])
    return f"{text} ({'; '.join(words)})" if words and text else text or "; ".join(words)
