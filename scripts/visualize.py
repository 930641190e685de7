"""Render the chunker's conjuncts over a few utterances with displaCy's
`span` style, as an SVG for the README."""

from pathlib import Path
from typing import List

import typer
from wasabi import msg

DEFAULT_TEXTS = [
    "add bananas peanut butter and paper towels to my list",
    "play some jazz and turn off the kitchen lights",
    "play simon and garfunkel",
    "what's the weather in boston and new york this weekend",
]


def main(
    model: Path = typer.Argument(..., exists=True, help="Trained pipeline"),
    output: Path = typer.Argument(..., help="SVG file to write"),
    texts: List[str] = typer.Option(DEFAULT_TEXTS, "--text", help="Utterances to show"),
) -> None:
    import spacy
    from spacy import displacy

    nlp = spacy.load(model)
    docs = list(nlp.pipe(texts))
    spans_key = nlp.get_pipe("coord_chunker").cfg["spans_key"]
    parts = [displacy.render(doc, style="span", options={"spans_key": spans_key}, jupyter=False) for doc in docs]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(_as_svg(parts), encoding="utf8")
    for doc in docs:
        msg.text(f"{doc.text!r:70} -> {[s.text for s in doc.spans[spans_key]]}")
    msg.good(f"Wrote {output}")


def _as_svg(html_parts: List[str]) -> str:
    """Wrap displaCy's span HTML in an SVG foreignObject, so that a README can show it."""
    height = 110 * len(html_parts)
    body = "".join(f'<div style="margin-bottom:10px">{part}</div>' for part in html_parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="900" height="{height}">'
        f'<foreignObject width="100%" height="100%">'
        f'<div xmlns="http://www.w3.org/1999/xhtml" style="font-family:sans-serif;background:white">{body}</div>'
        "</foreignObject></svg>"
    )


if __name__ == "__main__":
    typer.run(main)
