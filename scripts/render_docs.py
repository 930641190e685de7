"""Write the tables of metrics/ into README.md and docs/*.md.

The text between a pair of markers (HTML comments, invisible on GitHub)

    <!-- metrics/evaluation.md -->
    ...
    <!-- end metrics/evaluation.md -->

becomes the current content of metrics/evaluation.md, under a line that
names the file and the commit that last changed it. A marker with a commit,
`metrics/clause.md@f6023c2`, takes the file as that commit has it: for
results of settings that have left the code, which no command can write
again. Markers inside fenced code blocks are left alone.

Run it after the command that wrote metrics/, and again after committing
them, so that the line names their commit:

    python scripts/render_docs.py           # or: python -m spacy project run docs
    python scripts/render_docs.py --check   # exit 1 if a page is out of date

Running it twice changes nothing the second time. If a marker names a file
that does not exist (or a commit that does not have it), no page is written
and the script exits with status 1, naming the page, the line and the file.
"""

import re
import subprocess
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import typer

ROOT = Path(__file__).resolve().parents[1]
# <!-- metrics/NAME.md --> or <!-- metrics/NAME.md@COMMIT -->, and the same after "end ".
_KEY = r"metrics/[\w.\-/]+?\.md(?:@[0-9a-fA-F]{7,40})?"
START = re.compile(rf"^<!-- (?P<key>{_KEY}) -->[ \t]*$", re.MULTILINE)
END = "<!-- end {key} -->"
FENCE = re.compile(r"^(```|~~~)", re.MULTILINE)


class RenderError(Exception):
    """A marker that cannot be filled: the message says where and why."""


def pages(root: Path) -> List[Path]:
    """README.md and every Markdown page of docs/."""
    found = [root / "README.md"] if (root / "README.md").exists() else []
    return found + sorted((root / "docs").glob("*.md"))


def _git(root: Path, *args: str) -> Optional[str]:
    """Output of a git command in `root`, or None outside a repository."""
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


def read_metrics(root: Path, key: str) -> Tuple[str, str]:
    """The text of the file a marker names and a line saying where it is
    from. Raises RenderError if there is no such file (at that commit)."""
    path, _, commit = key.partition("@")
    if ".." in Path(path).parts:
        raise RenderError(f"{key}: a marker names a file inside metrics/")
    if commit:
        text = _git(root, "show", f"{commit}:{path}")
        if text is None:
            raise RenderError(f"{path} is not in commit {commit} (or git cannot read it)")
        date = (_git(root, "show", "-s", "--format=%cs", commit) or "").strip()
        return text, f"`{path}` as commit {commit}{f' ({date})' if date else ''} has it"
    file = root / path
    if not file.is_file():
        raise RenderError(
            f"{path} does not exist: run the command that writes it (see project.yml), or remove the marker"
        )
    text = file.read_text(encoding="utf8")
    last = (_git(root, "log", "-1", "--format=%h %cs", "--", path) or "").split()
    changed = bool((_git(root, "status", "--porcelain", "--", path) or "").strip())
    if not last:
        origin = " (not committed yet)" if changed else ""
    elif changed:
        origin = f", changed since commit {last[0]} ({last[1]}) and not committed yet"
    else:
        origin = f", last changed in commit {last[0]} ({last[1]})"
    return text, f"`{path}`{origin}"


def _fenced(text: str) -> List[Tuple[int, int]]:
    """Character ranges of fenced code blocks."""
    marks = [m.start() for m in FENCE.finditer(text)]
    return [(marks[i], marks[i + 1]) for i in range(0, len(marks) - 1, 2)]


def render(text: str, root: Path, where: str, cache: Dict[str, Tuple[str, str]]) -> str:
    """`text` with every marked block filled from metrics/."""
    fences = _fenced(text)
    out, pos = [], 0
    for match in START.finditer(text):
        if match.start() < pos or any(a <= match.start() < b for a, b in fences):
            continue  # inside a block already filled, or an example in a code block
        key = match.group("key")
        line = text.count("\n", 0, match.start()) + 1
        end = text.find(END.format(key=key), match.end())
        if end < 0:
            raise RenderError(f"{where}:{line}: {match.group(0)} has no {END.format(key=key)} after it")
        nested = START.search(text, match.end(), end)
        if nested:
            raise RenderError(
                f"{where}:{line}: {match.group(0)} holds another marker before its end ({nested.group(0)})"
            )
        if key not in cache:
            try:
                cache[key] = read_metrics(root, key)
            except RenderError as error:
                raise RenderError(f"{where}:{line}: {error}") from None
        content, origin = cache[key]
        block = (
            f"\n\n_Generated from {origin}; `python scripts/render_docs.py` writes it here._\n\n{content.strip()}\n\n"
        )
        out.append(text[pos : match.end()] + block)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def main(
    root: Path = typer.Option(ROOT, help="Repository root (README.md, docs/, metrics/)"),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 if a page is out of date"),
) -> None:
    """Fill the marked blocks of README.md and docs/*.md from metrics/."""
    cache: Dict[str, Tuple[str, str]] = {}
    updates = {}
    try:  # every page first: a missing file writes nothing
        for page in pages(root):
            text = page.read_text(encoding="utf8")
            new = render(text, root, str(page.relative_to(root)), cache)
            if new != text:
                updates[page] = new
    except RenderError as error:
        typer.echo(f"render_docs: {error}", err=True)
        raise typer.Exit(1) from None
    for page, new in updates.items():
        name = page.relative_to(root)
        if check:
            typer.echo(f"out of date: {name}", err=True)
        else:
            page.write_text(new, encoding="utf8")
            typer.echo(f"wrote {name}")
    if not updates:
        typer.echo(f"{len(cache)} tables, all up to date")
    if check and updates:
        raise typer.Exit(1)


if __name__ == "__main__":
    typer.run(main)
