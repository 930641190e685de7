"""Verbs that open commands, for the clause rescoring of the decoder.

Conjuncts of one coordination are alike in kind: when one opens with a
verb ("and [open netflix]"), so do the others ("[turn on the tv] and",
not "turn on the [tv] and"). A BiLSTM-CRF with no parser cannot tell
verbs from nouns by itself, so the decoder uses this lexicon
(`parallelism.clause_mismatches`).

The words are those that open at least 5 imperative commands of SNIPS,
Schema-Guided Dialogue and CLINC150 (`silver.is_imperative` over
en_core_web_sm's parse of every command of the corpora, 94,703 of them),
without the two that are not verbs ("ai", "weather"); `python
scripts/command_verbs.py assets` lists them again.
"""
from spacy.strings import get_string_id

COMMAND_VERBS = frozenset(
    """
    add adjust alert alter appreciate assist block book bring buy call
    cancel cast change check confirm connect convert create define delete
    display do erase explain find flip forget freeze get give go have help
    hold include increase inform keep knock leave let list listen locate
    look make mark move name need open order pair pay pick place play
    provide pull purchase put rate read recommend remember remind remove
    repeat report reserve reset restore return roll save say schedule search
    see send set share show skip slow sound speak speed spell start stop
    suggest switch take talk tell text throw toss track transfer translate
    try turn update use verify wait wake walk want wish write
    """.split()
)
# Their string ids, to match lower-case tokens by `Doc.to_array(ORTH)`.
COMMAND_VERB_KEYS = sorted(get_string_id(word) for word in COMMAND_VERBS)
