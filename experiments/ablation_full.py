"""Full-schedule ablation: the levers that need a full training run, each
alone on top of the default (a corpus built with other make_corpus.py
options, or a model setting), scored on every bucket:
metrics/ablation_full.{md,json,png}. About 12 minutes a row (6 epochs) on 2
quiet cores.

Rows already in the JSON file are kept, so an interrupted run resumes
(`--rerun` runs them again, `--rescore` only scores their trained
pipelines again); `--only` runs single variants, and `--seeds N`
trains each with training seeds 0 .. N-1 and adds a table of the means.
`--augmentation-seeds N` varies the corpus draw instead: it builds each
variant's corpus again with augmentation seeds 1 .. N-1 (same splits and
evaluation buckets) and trains once on each.
"""
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import typer
from wasabi import msg

from experiments.ablation import MODEL
from spacy_coord.training.evaluation import mean_exact, plot, score_buckets, to_markdown


def _syntax_head(attr: str, n_labels: int, weight: float) -> Dict[str, str]:
    """Overrides that turn on the model's auxiliary syntax head."""
    return {f"{MODEL}.syntax_attr": attr, f"{MODEL}.n_syntax_labels": str(n_labels), f"{MODEL}.syntax_weight": str(weight)}


# The checkpoint each row scores, named by this key among its overrides
# (not a `spacy train` setting): the end of training by default. The one
# `spacy train` keeps as model-best, the best on the dev split, falls
# shorter of the targets than the last for five of six configs
# (experiments/compare_checkpoints.py); the rows of _ON_BEST_CHECKPOINT were
# scored with it.
CHECKPOINT = "checkpoint"
DEFAULT_CHECKPOINT = "model-last"
CHECKPOINT_BEFORE = {CHECKPOINT: "model-best"}
# The epochs of training before the default 6: the rows of _ON_4_EPOCHS
# were trained so.
EPOCHS_BEFORE = {"training.max_epochs": "4"}

# Conjuncts rescored by their likeness in length alone, before the default
# also counted their last words: the rows of _ON_LENGTH_PARALLELISM were
# decoded so (training is the same; decoding only).
SIMILARITY_BEFORE = {f"{MODEL}.similarity_weight": "0"}
# Silver labels of parties ("for me and my wife") from the parser, before
# the default: the rows of _ON_PARSER_PARTIES were run so.
PARTIES_BEFORE = ["--no-slot-conjuncts"]
# Names with "and" as the corpora write them, before the default of 40% in
# speech-recognition style: the rows of _ON_NAMES_CAPITALIZED were run so.
NAMES_BEFORE = ["--names-asr-share", "0"]
# The share of lists and compound requests in speech-recognition style
# before the default 70%: the rows of _ON_ASR_40 were run on it.
ASR_BEFORE = ["--asr-share", "0.4"]
# The shares of compound requests before the default 28%: 20% for the rows
# run on that default, 12% for those run before it.
COMPOUND_20 = ["--compound-share", "0.2"]
COMPOUND_BEFORE = ["--compound-share", "0.12"]
# The corpus size before 90,000 examples: the rows of _ON_60K were run on
# corpora of this size.
N_TRAIN_BEFORE = ["--n-train", "60000", *COMPOUND_BEFORE]

# name -> (make_corpus.py options, `spacy train` overrides), each on a
# corpus of N_TRAIN_BEFORE examples unless it says otherwise.
_ON_60K: Dict[str, Tuple[List[str], Dict[str, str]]] = {
    # The default before (names kept whole change only decoding; rows run
    # before it were scored without names, the README says which).
    "60,000 training examples (the default before), names kept whole": ([], {}),
    # A names file that does not exist: none (rows below this one were run so).
    "without the name lexicon (the default before)": ([], {"paths.names": "no-such-dir/names.json"}),
    "without phrases after lists either": (["--trailing-share", "0"], {"paths.names": "no-such-dir/names.json"}),
    "phrases after 50% of utterance-final lists (default 30%)": (["--trailing-share", "0.5"], {}),
    "without noun-phrase lists": (["--no-noun-phrase-lists"], {}),
    "compound requests framed ('can you ... please'), 50%": (["--compound-frame-share", "0.5"], {}),
    "names-with-'and' negatives 15% (default 8%)": (["--names-and-share", "0.15"], {}),
    "compound requests 6% (default 12%)": (["--compound-share", "0.06"], {}),
    "half the list values drawn by their frequency, not uniformly": (["--frequent-value-share", "0.5"], {}),
    "half the lists of values as long as the original (parallel conjuncts)": (["--parallel-value-share", "0.5"], {}),
    "a third of the lists of one-word values ('rock jazz and blues')": (["--one-word-list-share", "0.33"], {}),
    "silver labels without conjuncts cut before their noun ('[phone] number')": (["--skip-cut-nominals"], {}),
    "two latent coordination types in the CRF": ([], {f"{MODEL}.conjunct_types": "2"}),
    # The same, typed by the parse of natural docs: clauses or phrases.
    "two coordination types in the CRF, clauses and phrases from the parse of natural docs": (
        ["--syntax", "natural"], {f"{MODEL}.conjunct_types": "2"}
    ),
    "neighbor similarity of static vectors": ([], {f"{MODEL}.neighbor_similarity": "true"}),
    "coordination similarity of static vectors": ([], {f"{MODEL}.coordination_similarity": "true"}),
    "6 epochs (default 4)": ([], {"training.max_epochs": "6"}),
    "dropout 0.4 in the model (default 0.2)": ([], {f"{MODEL}.dropout": "0.4"}),
    # Evaluate and save the optimizer's moving averages of the weights.
    "parameter averaging (use_averages)": ([], {"training.optimizer.use_averages": "true"}),
    # About 4,800 steps in 4 epochs: warm up, then fall linearly to 0 at the end.
    "learning rate decaying linearly to 0 (default constant)": ([], {"training.optimizer.learn_rate": json.dumps(
        {"@schedules": "warmup_linear.v1", "initial_rate": 0.002, "warmup_steps": 250, "total_steps": 4800}
    )}),
    "modifier lists ('cheap and direct flights') for 30% of noun-phrase slots": (["--modifier-share", "0.3"], {}),
    "noun phrases of one list from requests of one CLINC150 intent": (["--noun-phrases-by-intent"], {}),
    "both: phrases after lists and modifier lists": (["--trailing-share", "0.3", "--modifier-share", "0.3"], {}),
    # An auxiliary head learns the parser's label of each token (training
    # only): syntax in the encoder at no cost in speed.
    "auxiliary head: parts of speech (weight 0.5)": (["--syntax", "all"], _syntax_head("POS", 20, 0.5)),
    "auxiliary head: dependency labels (weight 0.5)": (["--syntax", "all"], _syntax_head("DEP", 64, 0.5)),
    "auxiliary head: dependency labels (weight 1.0)": (["--syntax", "all"], _syntax_head("DEP", 64, 1.0)),
    "auxiliary head: fine-grained tags (weight 0.5)": (["--syntax", "all"], _syntax_head("TAG", 64, 0.5)),
    # The parser's labels only where it is reliable: natural utterances, not
    # augmented lists without commas or names with "and".
    "auxiliary head: dependency labels of natural docs only (weight 0.5)": (
        ["--syntax", "natural"], _syntax_head("DEP", 64, 0.5)
    ),
    "auxiliary head: dependency labels of natural docs only (weight 0.5), without phrases after lists": (
        ["--syntax", "natural", "--trailing-share", "0"], _syntax_head("DEP", 64, 0.5)
    ),
    # Self-training: the default model (`spacy project run train`) relabels
    # the natural coordinations where it is confident.
    "self-training (the default model's confident labels replace the parser's)": (
        ["--teacher", "training/model-best", "--teacher-min-score", "0.9"], {}
    ),
}
# name -> (make_corpus.py options, `spacy train` overrides), each on a
# corpus with ASR_BEFORE unless it says otherwise.
_ON_ASR_40: Dict[str, Tuple[List[str], Dict[str, str]]] = {
    # The default before: 40% in speech-recognition style, conjuncts rescored by parallelism.
    "speech-recognition style for 40% of generated examples (the default before)": ([], {}),
    # Decoding only: the same corpus and config as the default otherwise.
    "without parallelism rescoring: compound requests 28% (the default before)": (
        [], {f"{MODEL}.parallelism_weight": "0"}
    ),
    # The short-schedule ablation scored lists higher without it, and it costs speed.
    "no character CNN (char_width 0)": ([], {f"{MODEL}.char_width": "0"}),
    # The paper's other embedding setting: pretrained vectors fine-tuned, not frozen.
    "GloVe fine-tuned (vector_tuning_rows 50,000)": ([], {f"{MODEL}.vector_tuning_rows": "50000"}),
    # The short-schedule ablation scored 32-wide embeddings on par, and a
    # narrower input makes the encoder's input projection cheaper.
    "embedding width 32 (default 64)": ([], {f"{MODEL}.embed_width": "32"}),
    # The two rows above that scored natural dev highest, together: both
    # make the encoder cheaper.
    "no character CNN and embedding width 32": ([], {f"{MODEL}.char_width": "0", f"{MODEL}.embed_width": "32"}),
    # The short-schedule ablation lost most with a narrower BiLSTM (64 wide),
    # so 128 may still be short of capacity; a wider one costs speed.
    "BiLSTM width 256 (default 128)": ([], {f"{MODEL}.width": "256"}),
    # A small lexicon of function words: spaCy's English stop words (IS_STOP).
    "function words flagged (IS_STOP embedded)": ([], {
        f"{MODEL}.embed_attrs": '["NORM", "PREFIX", "SUFFIX", "SHAPE", "IS_STOP"]',
        f"{MODEL}.embed_rows": "[5000, 1000, 2500, 500, 16]",
    }),
    "compound requests 36%": (["--compound-share", "0.36"], {}),
    "names-with-'and' negatives 12% (default 8%)": (["--names-and-share", "0.12"], {}),
    "compound requests 20% (the default before)": (COMPOUND_20, {}),
    # Spoken compound requests mostly join two short imperatives.
    "half the compound requests join two imperatives ('turn off the lights and lock the door')": (
        [*COMPOUND_20, "--imperative-compound-share", "0.5"], {}
    ),
    "90,000 training examples, names kept whole (the default before)": (COMPOUND_BEFORE, {}),
    "120,000 training examples": (["--n-train", "120000", *COMPOUND_BEFORE], {}),
    # Each word is embedded once per batch at prediction, so larger hash
    # tables (fewer words sharing a row) cost memory, not speed.
    "hash tables four times as large (20,000 NORM rows)": (
        COMPOUND_BEFORE, {f"{MODEL}.embed_rows": "[20000, 4000, 10000, 2000]"}
    ),
    **{name: (N_TRAIN_BEFORE + options, overrides) for name, (options, overrides) in _ON_60K.items()},
}
# name -> (make_corpus.py options, `spacy train` overrides), each on a
# corpus with NAMES_BEFORE unless it says otherwise.
_ON_NAMES_CAPITALIZED: Dict[str, Tuple[List[str], Dict[str, str]]] = {
    # The default before: 70% of the lists and compound requests in
    # speech-recognition style, names with "and" as the corpora write them.
    "speech-recognition style for 70% of generated examples, names with capitals (the default before)": ([], {}),
    # More of it: every generated list and compound request, or most.
    "speech-recognition style for all generated examples": (["--asr-share", "1.0"], {}),
    "speech-recognition style for 85% of generated examples": (["--asr-share", "0.85"], {}),
    # The prototype's best column used it (DESIGN.md §6); the short schedule
    # lost with it, but a regularizer may only pay on the full one.
    "word dropout 0.15 (default 0)": ([], {f"{MODEL}.word_dropout": "0.15"}),
    **{name: (ASR_BEFORE + options, overrides) for name, (options, overrides) in _ON_ASR_40.items()},
}

# name -> (make_corpus.py options, `spacy train` overrides), each on a
# corpus with PARTIES_BEFORE unless it says otherwise.
_ON_PARSER_PARTIES: Dict[str, Tuple[List[str], Dict[str, str]]] = {
    # The default before: 70% of the generated lists and compound requests
    # in speech-recognition style, and 40% of the names-with-"and"
    # negatives, whose capitals would otherwise tell a name from a list in
    # training but not in speech.
    "names-with-'and' negatives in speech-recognition style, 40% (the default before)": ([], {}),
    # More of them: as many as the lists.
    "names-with-'and' negatives in speech-recognition style too (70%, as lists)": (["--names-asr-share", "0.7"], {}),
    # Scope: about one compound request in seven joins an answer without a
    # verb ("the 6th of march"), teaching that a noun phrase after "and"
    # can close a join of the whole utterance.
    "compound requests join only requests with a verb": (["--compound-needs-verb"], {}),
    # Scope: the corpora list after few verbs (play, add, find); after a
    # rarer one the verb and the first value read as a request of their own
    # ("[buy milk] and [eggs]").
    "half the lists after a command verb get another command verb ('buy milk and eggs')": (["--verb-swap-share", "0.5"], {}),
    **{name: (NAMES_BEFORE + options, overrides) for name, (options, overrides) in _ON_NAMES_CAPITALIZED.items()},
}

# name -> (make_corpus.py options, `spacy train` overrides), each
# decoded with SIMILARITY_BEFORE unless it says otherwise.
_ON_LENGTH_PARALLELISM: Dict[str, Tuple[List[str], Dict[str, str]]] = {
    # The default before (see _ON_PARSER_PARTIES for the speech style).
    # The parser gets a third of SNIPS's parties ("for me and my wife")
    # wrong, "[book a table for me] and [my wife]": their silver labels come
    # from the slot value instead.
    "silver labels of parties from the slot value ('for [me] and [my wife]') (the default before)": ([], {}),
    # The verb swap tied the default before; with the new labels, too?
    "half the lists after a command verb get another command verb, on party labels from slot values": (["--verb-swap-share", "0.5"], {}),
    # Scope: natural dev's shared heads ("[italian] or [mexican] restaurants")
    # run on or stop short; this row lost on an older default, but that
    # default's silver labels taught the same errors.
    "modifier lists ('cheap and direct flights') for 30% of noun-phrase slots, on party labels from slot values": (["--modifier-share", "0.3"], {}),
    **{name: (PARTIES_BEFORE + options, overrides) for name, (options, overrides) in _ON_PARSER_PARTIES.items()},
}

# name -> (make_corpus.py options, `spacy train` overrides), each scored at
# the checkpoint best on the dev split (CHECKPOINT_BEFORE).
_ON_BEST_CHECKPOINT: Dict[str, Tuple[List[str], Dict[str, str]]] = {
    # The default before (see _ON_LENGTH_PARALLELISM for the corpus): the
    # same training as the default before it, decoded with the rescoring by
    # the likeness of conjuncts' last words too.
    "conjuncts rescored by the likeness of their last words (similarity_weight 3), the checkpoint best on the dev split (the default before)": ([], {}),
    # Spoken lists of times and numbers ("six thirty seven and seven
    # fifteen"): the corpora write digits, recognizers often words.
    "numbers spoken as words in half the speech-recognition-style examples ('six thirty')": (["--spoken-number-share", "0.5"], {}),
    "numbers spoken as words in a quarter of the speech-recognition-style examples": (["--spoken-number-share", "0.25"], {}),
    # The weight the shortfall picks over three pipelines of the default
    # (0.018 against 0.023 at 0.5); it changes which checkpoint training keeps.
    "conjuncts rescored by their likeness in length at weight 0.75 (default 0.5)": ([], {f"{MODEL}.parallelism_weight": "0.75"}),
    **{name: (options, {**SIMILARITY_BEFORE, **overrides}) for name, (options, overrides) in _ON_LENGTH_PARALLELISM.items()},
}

# name -> (make_corpus.py options, `spacy train` overrides), each trained
# for EPOCHS_BEFORE unless it says otherwise.
_ON_4_EPOCHS: Dict[str, Tuple[List[str], Dict[str, str]]] = {
    # The default before: the same training as the default before it,
    # scored at the end of training.
    "the last checkpoint of training, not the best on the dev split, 4 epochs (the default before)": ([], {}),
    **{name: (options, {**CHECKPOINT_BEFORE, **overrides}) for name, (options, overrides) in _ON_BEST_CHECKPOINT.items()},
}

VARIANTS: Dict[str, Tuple[List[str], Dict[str, str]]] = {
    # The project's corpus, config and checkpoint. The dev score still rose
    # in the fourth epoch; at the best checkpoint six epochs had lost on an
    # older default ("6 epochs (default 4)"), at the last one they win.
    "default: 6 epochs, the last checkpoint of training": ([], {}),
    # Scope: CLINC150's noun phrases with a question word ("how many pets")
    # become list values after an object, "[french] and [how many pets]",
    # the "[TV] and [open Netflix]" shape of natural dev's scope misses.
    "no noun-phrase list values with a question word ('how many pets', 'which airport')": (["--no-question-noun-phrases"], {}),
    # Natural dev's plain short lists go unfound ("buy milk and eggs"): the
    # negatives hold names of the same shape ("mac and cheese", "pizza and pasta").
    "names-with-'and' negatives 4% (default 8%)": (["--names-and-share", "0.04"], {}),
    # The same, aimed: negatives not from slots that name kinds of things,
    # whose values are pairs of common nouns ("pizza and pasta", "rock &
    # roll"), the shape of "buy milk and eggs" and "play rock jazz and blues".
    "no names-with-'and' negatives from kind slots ('pizza and pasta', 'rock & roll')": (["--no-kind-names-negatives"], {}),
    # Four epochs to six gained on every target bucket but compound intents
    # at the last checkpoint (constant learning rate): does the trend hold?
    "8 epochs (default 6)": ([], {"training.max_epochs": "8"}),
    # SGD writes its turns with capitals and punctuation, so the silver
    # labels may teach clause boundaries by cues speech does not give; the
    # generated examples gained from the same style (asr_share 0.7).
    "silver labels in speech-recognition style, 70% (as the generated examples)": (["--silver-asr-share", "0.7"], {}),
    # CLINC150's natural coordinations were the prototype's largest single
    # gain (DESIGN.md §6), but they are a tenth of the silver examples
    # (SGD's clausal ones are most): weigh them double.
    "CLINC150's silver examples twice in training": (["--clinc-silver-copies", "2"], {}),
    # Capacity: a second BiLSTM layer over the first (width 256 in one layer
    # tied; the scope of a conjunct may need composition over the clause).
    "two BiLSTM layers (depth 2, default 1)": ([], {f"{MODEL}.depth": "2"}),
    # The same capacity for less of its cost in speed: narrower layers.
    "two BiLSTM layers of width 96 (default one of 128)": ([], {f"{MODEL}.depth": "2", f"{MODEL}.width": "96"}),
    # The last checkpoint of a constant learning rate is scored: a smaller
    # step may end nearer a minimum (decaying to 0 lost on an older default).
    "learning rate 0.001 (default 0.002)": ([], {"training.optimizer.learn_rate": "0.001"}),
    # The silver labels leave a shared subject out of a first clause ("I
    # want to [stay ...] and [check out ...]"), the compound requests of
    # augmentation start it with the request: one convention for both, so
    # that the clause rescoring (clause_weight) no longer costs on dev.
    "silver labels of main clauses from the sentence start ('[I want to stay ...] and [check out ...]')": (["--silver-clauses-from-start"], {}),
    # Natural dev's plain short lists of common nouns go unfound ("add milk
    # and eggs to the grocery list"); CLINC150's requests are where the
    # corpora hold such nouns, in such carrier phrases.
    "30% of the lists from CLINC150's requests ('add [eggs] and [milk] to my shopping list')": (["--clinc-list-share", "0.3"], {}),
    # Length: spoken requests are short, the corpora's long (SGD's above all).
    "half the lists and compound requests from requests of at most 6 words": (["--short-source-share", "0.5"], {}),
    # Shared modifiers: people say "at 5 and 7 pm", the lists of whole values "at 5 pm and 7 pm".
    "half the lists of a number and its unit share the unit ('at [5] and [7 pm]')": (["--shared-unit-share", "0.5"], {}),
    # Constituents other than noun phrases: the corpora coordinate few prepositional phrases.
    "lists of prepositional phrases for 30% of the lists after a preposition ('[in boston] and [in paris]')": (["--preposition-share", "0.3"], {}),
    **{name: (options, {**EPOCHS_BEFORE, **overrides}) for name, (options, overrides) in _ON_4_EPOCHS.items()},
}


def main(
    config: Path = typer.Argument(..., exists=True, help="Default training config"),
    assets: Path = typer.Argument(..., exists=True, help="Folder with the copied corpora"),
    corpus: Path = typer.Argument(..., exists=True, help="The default corpus (train.spacy, dev.spacy, eval/)"),
    output_dir: Path = typer.Argument(..., help="Where ablation_full.{md,json,png} go"),
    vectors: str = typer.Option("vectors/glove", help="Vectors pipeline of the default config"),
    vectors_width: int = typer.Option(50, help="Width of those vectors"),
    max_epochs: int = typer.Option(6, help="Epochs of the default and of variants that do not set their own (the default config's)"),
    work_dir: Path = typer.Option(Path("training/ablation_full"), help="Where corpora and models of the variants go"),
    only: List[str] = typer.Option([], help="Run only these variants (by name)"),
    seeds: int = typer.Option(1, help="Train each variant with training seeds 0 .. N-1 (rows '<variant>, training seed k')"),
    augmentation_seeds: int = typer.Option(1, help="Also build each variant's corpus with augmentation seeds 1 .. N-1 (make_corpus.py --augment-seed; same splits and evaluation buckets) and train on each with training seed 0 (rows '<variant>, augmentation seed k')"),
    rerun: bool = typer.Option(False, "--rerun", help="Train and score again rows already in the JSON file"),
    rescore: bool = typer.Option(False, "--rescore", help="Score rows already in the JSON file again with their trained pipelines, without training (after a bucket was added to their corpus)"),
) -> None:
    """Build, train and score every variant, then write the tables and the plot."""
    import spacy

    results_path = output_dir / "ablation_full.json"
    results: Dict[str, Dict] = json.loads(results_path.read_text()) if results_path.exists() else {}
    built = {corpus}
    for i, (name, (corpus_options, overrides)) in enumerate(VARIANTS.items()):
        if only and name not in only:
            continue
        for row, seed, options in variant_runs(name, corpus_options, seeds, augmentation_seeds):
            out = _slug(work_dir, row) / "training"
            checkpoint, train_overrides = split_checkpoint(overrides)
            pipeline = out / checkpoint
            rescoring = rescore and row in results and not rerun
            if row in results and not (rerun or rescoring):
                continue
            if rescoring and not pipeline.exists():
                msg.warn(f"{row}: no trained pipeline in {pipeline} to score again")
                continue
            msg.divider(f"{i + 1}/{len(VARIANTS)}: {row}")
            # Runs with the same corpus options share their corpus.
            data = _slug(work_dir, "corpus " + " ".join(options)) if options else corpus
            if not rescoring:
                if data not in built:  # built once per run, for all variants and seeds that use it
                    _run(["scripts/make_corpus.py", str(assets), str(data), *options])
                    built.add(data)
                settings = {"paths.train": str(data / "train.spacy"), "paths.dev": str(data / "dev.spacy"),
                            "paths.names": str(data / "names.json"),
                            "training.max_epochs": str(max_epochs), "system.seed": str(seed), **train_overrides}
                args = [arg for key, value in settings.items() for arg in (f"--{key}", value)]
                _run(["scripts/train.py", str(config), str(out), "--vectors", vectors,
                      "--vectors-width", str(vectors_width), *args])
            nlp = spacy.load(pipeline)
            buckets = score_buckets(lambda texts: list(nlp.pipe(texts)), data / "eval", nlp.vocab)
            # Re-read before writing: rows finished meanwhile by another run stay.
            results = json.loads(results_path.read_text()) if results_path.exists() else {}
            results[row] = {"corpus_options": options, "overrides": overrides, "seed": seed, "buckets": buckets}
            output_dir.mkdir(parents=True, exist_ok=True)
            results_path.write_text(json.dumps(results, indent=2))  # keep what is done if a later run fails
    rows = {row: results[row] for name, (options, _) in VARIANTS.items()
            for row, _, _ in variant_runs(name, options, MAX_SEEDS, MAX_SEEDS) if row in results}
    caption = (f"Exact match per bucket; each variant trained on its full corpus, the default for {max_epochs} epochs, "
               f"the rows run on earlier defaults for {EPOCHS_BEFORE['training.max_epochs']} unless they say otherwise.")
    table = to_markdown(rows, caption)
    means = seed_means(rows)
    if means:
        table += "\n" + to_markdown(means, "Mean exact match over the training seeds, or the augmentation seeds, of each variant run with several.")
    (output_dir / "ablation_full.md").write_text(table)
    # The means when there are any: single runs differ by seed as much as by lever.
    plot(means or rows, output_dir / "ablation_full.png",
         "Full-schedule ablation: mean exact match over training seeds, or augmentation seeds" if means else "Full-schedule ablation: exact match")
    print(table)


# Rows of more seeds than this are not shown.
MAX_SEEDS = 10


def seed_rows(name: str, seeds: int) -> List[Tuple[str, int]]:
    """(row name, training seed) of a variant: seed 0 under the variant's own
    name, seed k > 0 as "<name>, training seed k"."""
    return [(name if seed == 0 else f"{name}, training seed {seed}", seed) for seed in range(seeds)]


def augmentation_rows(name: str, seeds: int) -> List[Tuple[str, List[str]]]:
    """(row name, extra corpus options) of a variant's corpora with
    augmentation seeds 0 .. seeds - 1: seed 0 is the variant's own row."""
    return [(name, [])] + [(f"{name}, augmentation seed {seed}", ["--augment-seed", str(seed)]) for seed in range(1, seeds)]


def variant_runs(name: str, corpus_options: List[str], seeds: int, augmentation_seeds: int) -> List[Tuple[str, int, List[str]]]:
    """(row name, training seed, corpus options) of every run of a variant:
    training seeds 0 .. seeds - 1 on its corpus, then training seed 0 on its
    corpora of augmentation seeds 1 .. augmentation_seeds - 1."""
    runs = [(row, seed, corpus_options) for row, seed in seed_rows(name, seeds)]
    return runs + [(row, 0, corpus_options + extra) for row, extra in augmentation_rows(name, augmentation_seeds)[1:]]


def seed_means(rows: Dict[str, Dict]) -> Dict[str, Dict]:
    """Per variant with rows of several training seeds, or of several
    augmentation seeds, the mean exact match per bucket."""
    means = {}
    for name in VARIANTS:
        for kind, members in (("seeds", [row for row, _ in seed_rows(name, MAX_SEEDS)]),
                              ("augmentation seeds", [row for row, _ in augmentation_rows(name, MAX_SEEDS)])):
            runs = [rows[row]["buckets"] for row in members if row in rows]
            if len(runs) > 1:
                mean = {b: {"exact": exact} for b, exact in mean_exact(runs).items()}
                means[f"{name} ({len(runs)} {kind})"] = {"buckets": mean}
    return means


def split_checkpoint(overrides: Dict[str, str]) -> Tuple[str, Dict[str, str]]:
    """The checkpoint a row scores (its CHECKPOINT override, else
    DEFAULT_CHECKPOINT) and its `spacy train` overrides without that key."""
    return overrides.get(CHECKPOINT, DEFAULT_CHECKPOINT), {key: value for key, value in overrides.items() if key != CHECKPOINT}


def _slug(work_dir: Path, row: str) -> Path:
    return work_dir / re.sub(r"\W+", "_", row).strip("_").lower()


def _run(command: List[str]) -> None:
    subprocess.run([sys.executable, *command], check=True)


if __name__ == "__main__":
    typer.run(main)
