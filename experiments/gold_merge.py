"""Merge the reviewed batches of `experiments.gold_candidates`' candidates
into data/gold_natural.txt and print the counts of data/gold_natural.md:

    python -m experiments.gold_merge REVIEW_DIR data/gold_natural.txt

REVIEW_DIR holds batch_K.tsv (candidates: id, corpus, domain, disagree,
silver, teacher) and batch_K.gold.tsv (id, the reviewed bracket line). Two
guidelines are applied here to every batch alike, because reviewers decided
them differently before they were written down: a coordination never crosses
a sentence boundary, and an interjection is no conjunct.
"""

import re
import sys
from collections import Counter
from pathlib import Path

from spacy_coord.corpus import format_bracket_line, parse_bracket_line

SENTENCE_END = re.compile(r"[.?!]")
# An interjection is no conjunct: "[Oh], and [is it furnished]" joins nothing.
INTERJECTIONS = {"oh", "um", "uh", "ah", "well"}


def groups_of(text, spans):
    """Adjacent conjuncts whose gap holds only coordinators/commas form a group (approximation for the rule)."""
    groups, current = [], [spans[0]] if spans else []
    for prev, span in zip(spans, spans[1:]):
        gap = text[prev[1] : span[0]]
        if (
            re.fullmatch(
                r"[\s,;.?!\-]*(and|or|nor|plus|&|and then|and also|as well as|or else|but)?[\s,;.?!\-]*(also|then)?[\s,;]*",
                gap,
                re.I,
            )
            is not None
        ):
            current.append(span)
        else:
            groups.append(current)
            current = [span]
    if current:
        groups.append(current)
    return groups


def drop_cross_sentence(text, spans):
    """Remove every group that has sentence punctuation between two of its conjuncts."""
    kept, dropped = [], 0
    for group in groups_of(text, spans):
        crosses = any(SENTENCE_END.search(text[a[1] : b[0]]) for a, b in zip(group, group[1:]))
        interjection = any(text[a:b].lower() in INTERJECTIONS for a, b in group)
        if crosses or interjection:
            dropped += 1
            continue
        kept.extend(group)
    return kept, dropped


rows, stats = [], Counter()
review_dir = Path(sys.argv[1])
for gold_path in sorted(review_dir.glob("batch_*.gold.tsv")):
    cand_path = gold_path.with_name(gold_path.name.replace(".gold.tsv", ".tsv"))
    cands = {line.split("\t")[0]: line.rstrip("\n").split("\t") for line in cand_path.open(encoding="utf8")}
    for line in gold_path.open(encoding="utf8"):
        if not line.strip():
            continue
        uid, gold = line.rstrip("\n").split("\t")
        _, corpus, domain, _, silver, teacher = cands[uid]
        if gold.lstrip().startswith("#"):
            stats["left out: starts with '#'"] += 1
            continue
        text, spans = parse_bracket_line(gold)
        spans, dropped = drop_cross_sentence(text, spans)
        stats["cross-sentence groups removed"] += dropped
        gold = format_bracket_line(text, spans)
        silver_spans = [] if silver == "-" else parse_bracket_line(silver)[1]
        teacher_spans = parse_bracket_line(teacher)[1]
        stats["reviewed"] += 1
        stats[f"reviewed {corpus}"] += 1
        stats["changed from silver"] += sorted(spans) != sorted(silver_spans)
        stats["changed from teacher"] += sorted(spans) != sorted(teacher_spans)
        stats["changed from both"] += sorted(spans) != sorted(silver_spans) and sorted(spans) != sorted(teacher_spans)
        stats["silver had none (left out of training)"] += silver == "-"
        stats["no coordination"] += not spans
        rows.append((corpus, uid, gold))
out = Path(sys.argv[2])
header = "# Natural coordinations of SGD, CLINC150 and SNIPS, reviewed by hand: data/gold_natural.md\n"
out.write_text(header + "".join(f"{gold}\n" for _, _, gold in rows), encoding="utf8")
for key, value in sorted(stats.items()):
    print(f"{key}: {value}")
