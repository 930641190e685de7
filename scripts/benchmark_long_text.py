"""Peak memory of one long text (issue 51: one 994,000-character text took
14 GB with the transformer pipeline).

    python scripts/benchmark_long_text.py run configs/coord.cfg configs/coord_trf.cfg --n-chars 1000000

Each pipeline is a config, initialized (not trained) on a few examples:
memory depends on the architecture, not on the weights' values. Each
measurement runs in its own process, which loads the pipeline, annotates
one text of N characters and reports its peak RSS (getrusage), before and
after the text. Writes metrics/long_text.{md,json}.
"""

import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List

import typer

ROOT = Path(__file__).resolve().parent.parent
UNIT = "play some jazz and turn off the kitchen lights, then call mom or dad. "

app = typer.Typer(add_completion=False)


@app.command()
def run(
    configs: List[Path],
    n_chars: int = typer.Option(1_000_000, help="Characters of the text (spaCy's nlp.max_length is 1,000,000)"),
    output_dir: Path = typer.Option(ROOT / "metrics", help="Where to write long_text.{md,json}"),
) -> None:
    """Measure each config's pipeline on one text of N characters."""
    rows = []
    for config in configs:
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, __file__, "measure", str(config), tmp, "--n-chars", str(n_chars)]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
            print(out.strip().splitlines()[-1])
            rows.append(json.loads(out.strip().splitlines()[-1]))
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "long_text.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf8")
    lines = [
        f"One text of {n_chars:,} characters through each pipeline (initialized from its config), "
        f"one torch thread, in a process of its own; {platform.platform()}.",
        "",
        "| pipeline | characters | tokens | seconds | peak RSS, loaded (MB) | peak RSS, after the text (MB) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['config']} | {row['chars']:,} | {row['tokens']:,} | {row['seconds']:,} | "
            f"{row['peak_rss_mb_loaded']:,} | {row['peak_rss_mb']:,} |"
        )
    command = " ".join(str(config) for config in configs)
    lines += ["", f"Reproduce: `python scripts/benchmark_long_text.py run {command} --n-chars {n_chars}`", ""]
    (output_dir / "long_text.md").write_text("\n".join(lines), encoding="utf8")


@app.command()
def measure(config: Path, tmp: Path, n_chars: int = 1_000_000) -> None:
    """Initialize the pipeline of CONFIG, annotate one text, print JSON."""
    import torch

    torch.set_num_threads(1)
    sys.path.insert(0, str(ROOT / "tests"))
    from spacy.util import load_config, load_model_from_config
    from thinc.api import fix_random_seed
    from training_data import TRAIN_DATA, make_example

    fix_random_seed(0)
    nlp = load_model_from_config(load_config(config, overrides={"paths.names": str(tmp / "none.json")}), auto_fill=True)
    examples = [make_example(nlp, text, conjuncts, domain) for text, conjuncts, domain in TRAIN_DATA]
    nlp.initialize(lambda: examples)
    text = (UNIT * (n_chars // len(UNIT) + 1))[:n_chars]
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    doc = nlp(text)
    result = {
        "config": str(config),
        "chars": len(text),
        "tokens": len(doc),
        "conjuncts": len(doc.spans["coord"]),
        "seconds": round(time.perf_counter() - start, 1),
        "peak_rss_mb_loaded": round(loaded),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    app()
