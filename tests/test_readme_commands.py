"""The documented commands never rot: every command in README.md and docs/**/*.md is run, at a small size.

What is collected from each of those pages (``PAGES``):
- every ``python -m ganlab ...`` command, in ```sh blocks (``\\`` continuations joined, ``#``
  comments dropped) and in inline code (also inside tables);
- every ```python block that uses ``gradio_client``.
Each is its own test, named by the command (the same command documented twice runs once).

How a command is shrunk (``shrink``), so that the whole file stays within a few minutes on 2 cores:
- it runs as ``python -m ganlab ...`` in a subprocess whose working folder is a scratch folder, so
  relative outputs (``--out runs/...``, ``--out digits.npz``, ``--figure docs/...``) land there;
  ``$GANLAB_ASSETS_DIR`` points at a copy of ``assets/`` in that folder, so shipped names,
  ``assets/NAME`` paths, ``--out assets/...`` and ``--write-card`` change the copy, never the
  repository (checked at the end);
- sizes are capped, and set when the command leaves them at a larger default (``CAPS``): ``--steps``
  2, ``--batch-size`` 16, ``--limit`` 256 (train, train-classifier), ``--epochs`` 1, ``--count`` 4,
  ``--per-class`` 3, ``--per-category`` 10, ``--samples`` 10, ``--save-every`` 2 (so it still
  saves once), ``--rounds`` 1, ``--seeds`` 1, ``--generated-per-class`` 10, ``--lr-decay-start`` 1 (below the
  capped ``--steps``); ``bench`` gets ``--quick``;
- ``--data-dir`` is the test's data folder (``$GANLAB_DATA_DIR``);
- placeholders get stand-ins: ``NAME`` is ``cgan-mnist``; ``my_sketch.png`` (a drawn smiley),
  ``my_digit.png`` (a "7" in dark ink on white),
  ``emoji32.png`` (a 32×32 colour picture), ``path/to/facades`` (a few A|B pairs in ``train/`` and
  ``test/``), ``path/to/DIV2K_train_HR`` and ``path/to/my_faces`` (a few small photos) are made in the
  scratch folder;
- a command that reads another's output (``--checkpoint``, ``--compare``, ``--resume``, ``--images`` naming an
  earlier ``--out``) runs that one first when its output is not there yet.
``gradio_client`` snippets run in this process against the app started on a free 127.0.0.1 port
(the README's ``http://127.0.0.1:7860/`` replaced by its address; teacher mode, password ``SECRET``), in
the scratch folder; every name ending in ``path`` that a snippet defines must be a file that exists.

A command that cannot run here (GPU, several machines) is marked in its page by the line
``<!-- ci: skip (the reason) -->`` just before it (before a fenced block: the whole block; on the
same line: the inline code after it) and is reported as skipped with that reason. A usage synopsis
(``python -m ganlab train | generate | bench``, ``python -m ganlab …``) is skipped as such.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import REPO, have_mnist

README = REPO / "README.md"


def documented_pages() -> list[Path]:
    """README.md, CONTRIBUTING.md and every docs/**/*.md page, in that order."""
    return [README, *[p for p in [REPO / "CONTRIBUTING.md"] if p.is_file()], *sorted((REPO / "docs").rglob("*.md"))]


PAGES = documented_pages()
PREFIX = "python -m ganlab"
README_URL = "http://127.0.0.1:7860/"
SKIP_MARK = re.compile(r"<!--\s*ci:\s*skip\s*\((?P<reason>.*?)\)\s*-->")
CAPS = {"--steps": 2, "--batch-size": 16, "--limit": 256, "--epochs": 1, "--count": 4, "--per-class": 3,
        "--per-category": 10, "--samples": 10, "--save-every": 2, "--rounds": 1, "--seeds": 1,
        "--generated-per-class": 10, "--lr-decay-start": 1}
CAPPED_ONLY_IF_GIVEN = {"--save-every", "--rounds", "--lr-decay-start"}  # their defaults are fine (0 = off; --quick)
PLACEHOLDERS = {"NAME": "cgan-mnist"}
READS_CHECKPOINT = ("--checkpoint", "--compare", "--resume", "--images")  # flags that read an earlier --out
TIMEOUT_S = 600
TEACHER_PASSWORD = "SECRET"  # the snippets' server runs in teacher mode, as docs/api.md says

pytestmark = pytest.mark.skipif(not have_mnist(), reason="MNIST not found (set GANLAB_DATA_DIR)")


@dataclass(frozen=True)
class Documented:
    """One command or snippet as a documentation page shows it."""

    kind: str  # "cli" or "client"
    text: str  # the command (continuations joined, comments dropped) or the Python snippet
    line: int  # where it starts in its page
    skip: str | None = None  # reason, from <!-- ci: skip (...) --> or a synopsis
    page: str = "README.md"  # the page, relative to the repository

    @property
    def where(self) -> str:
        """``page line N``, for messages."""
        return f"{self.page} line {self.line}"

    @property
    def id(self) -> str:
        if self.kind == "client":
            api = re.search(r"api_name=\"([^\"]+)\"", self.text)
            return f"gradio_client {api.group(1) if api else ''} ({self.page} line {self.line})"
        return self.text[len(PREFIX) + 1 :]


def _skip_reason(lines: list[str], i: int, before: str = "") -> str | None:
    """The reason of a skip mark on the same line before the code, or on the line before."""
    m = SKIP_MARK.search(before) or (SKIP_MARK.search(lines[i - 1]) if i > 0 else None)
    return m.group("reason") if m else None


def _cli(text: str, line: int, skip: str | None, page: str) -> Documented:
    tokens = shlex.split(text, comments=True)
    if skip is None and any(t in ("|", "…", "...") for t in tokens):
        skip = "usage synopsis (alternatives joined by |, or …), not a command"
    if skip is None and len(tokens) > 3 and tokens[3].isupper():
        skip = f"usage synopsis ({tokens[3]} stands for a command), not a command"
    return Documented("cli", shlex.join(tokens), line, skip, page)


def extract(markdown: str, page: str = "README.md") -> list[Documented]:
    """The documented ganlab commands and gradio_client snippets of one page, in page order, each once."""
    lines = markdown.splitlines()
    found: list[Documented] = []
    prose = list(lines)  # fenced blocks blanked, so inline code is searched in prose only
    i = 0
    while i < len(lines):
        fence = re.match(r"^\s*```\s*(\w*)", lines[i])
        if not fence:
            i += 1
            continue
        lang, start, block_skip = fence.group(1).lower(), i, _skip_reason(lines, i)
        i += 1
        body: list[tuple[int, str]] = []
        while i < len(lines) and not re.match(r"^\s*```", lines[i]):
            body.append((i, lines[i]))
            i += 1
        for j in range(start, min(i + 1, len(lines))):
            prose[j] = ""
        i += 1
        if lang in ("sh", "bash", "shell", "console"):
            logical: list[tuple[int, str, str | None]] = []
            pending, first, skip = "", 0, block_skip
            for j, text in body:
                mark = re.match(r"^\s*#\s*ci:\s*skip\s*\((.*?)\)", text)
                if mark and not pending:
                    skip = mark.group(1)
                    continue
                first = j if not pending else first
                if text.rstrip().endswith("\\"):
                    pending += text.rstrip()[:-1] + " "
                    continue
                logical.append((first, pending + text, skip))
                pending, skip = "", block_skip
            for j, text, skip in logical:
                if text.strip().startswith(PREFIX + " "):
                    found.append(_cli(text.strip(), j + 1, skip, page))
        elif lang == "python" and any("gradio_client" in t for _, t in body):
            found.append(Documented("client", "\n".join(t for _, t in body), start + 2, block_skip, page))
    text = "\n".join(prose)
    for m in re.finditer(r"`([^`]+)`", text):
        code = " ".join(m.group(1).split())
        if code.startswith(PREFIX + " "):
            line = text.count("\n", 0, m.start())
            before = text[text.rfind("\n", 0, m.start()) + 1 : m.start()]
            found.append(_cli(code, line + 1, _skip_reason(lines, line, before), page))
    unique: dict[str, Documented] = {}
    for d in sorted(found, key=lambda d: d.line):
        unique.setdefault(d.id, d)
    return list(unique.values())


# ---------------------------------------------------------------------------------------- shrinking

def _defaults(command: str) -> dict[str, object]:
    """{flag: default} of a ganlab subcommand, read from the real parser."""
    import argparse

    from ganlab.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    parser = sub.choices[command]
    return {flag: action.default for action in parser._actions for flag in action.option_strings}


def _flag_value(argv: list[str], flag: str) -> list[int]:
    """Indices of the values of ``flag`` in argv (``--flag v`` form; ``--flag=v`` is split first)."""
    return [i + 1 for i, a in enumerate(argv[:-1]) if a == flag]


def shrink(text: str, data_dir: str) -> list[str]:
    """The ganlab argv to run for a documented command (see the module docstring for the rule)."""
    tokens = shlex.split(text)[len(PREFIX.split()) :]
    argv: list[str] = []
    for tok in tokens:
        for name, value in PLACEHOLDERS.items():
            tok = re.sub(rf"\b{name}\b", value, tok)
        argv.extend(tok.split("=", 1) if tok.startswith("--") and "=" in tok else [tok])
    command, defaults = argv[0], _defaults(argv[0])
    for flag, cap in CAPS.items():
        if flag not in defaults:
            continue
        given = _flag_value(argv, flag)
        for i in given:
            argv[i] = str(min(int(argv[i]), cap))
        default = defaults[flag]
        if not given and flag not in CAPPED_ONLY_IF_GIVEN and (default is None or int(default) > cap):
            argv += [flag, str(cap)]
    for i in _flag_value(argv, "--data-dir"):
        argv[i] = data_dir
    for flag in ("--out", "--figure"):
        for i in _flag_value(argv, flag):
            assert not Path(argv[i]).is_absolute(), f"{flag} {argv[i]}: documented outputs should be relative"
    if command == "bench" and "--quick" not in argv:
        argv.append("--quick")
    return argv


# ---------------------------------------------------------------------------------------- running

def _make_sketch(path: Path) -> None:
    """A smiley in black strokes on white, like a student's drawing."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (256, 256), "white")
    d = ImageDraw.Draw(im)
    d.ellipse((40, 40, 216, 216), outline="black", width=6)
    d.ellipse((90, 95, 105, 115), fill="black")
    d.ellipse((151, 95, 166, 115), fill="black")
    d.arc((80, 110, 176, 180), 20, 160, fill="black", width=6)
    im.save(path)


def _make_pairs(root: Path) -> None:
    """A few side-by-side A|B images (label map | photo) in train/ and test/, as facades has them."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for split, n in (("train", 6), ("test", 2)):
        (root / split).mkdir(parents=True)
        for k in range(n):
            a = np.repeat(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8), 8, 0).repeat(8, 1)
            b = np.clip(a.astype(int) + rng.integers(-30, 30, a.shape), 0, 255).astype(np.uint8)
            Image.fromarray(np.concatenate([a, b], 1)).save(root / split / f"{k}.jpg")


def _make_photos(root: Path, count: int = 4, size: int = 160) -> None:
    """A few small colour 'photos' (smooth gradients plus noise), standing in for a folder like DIV2K's."""
    from PIL import Image

    rng = np.random.default_rng(1)
    root.mkdir(parents=True)
    ramp = np.linspace(0, 255, size)
    for k in range(count):
        base = np.stack([np.add.outer(ramp, ramp) / 2, np.add.outer(ramp[::-1], ramp) / 2,
                         np.full((size, size), 40.0 * k)], -1)
        photo = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
        Image.fromarray(photo).save(root / f"{k:04d}.png")


def _children_cpu() -> float:
    """CPU seconds (user + system) used so far by finished child processes."""
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes() if p.suffix == ".json" else str(p.stat().st_size).encode())
    return h.hexdigest()


class Scratch:
    """The scratch folder the documented commands share, and the results of those already run."""

    def __init__(self, root: Path, documented: list[Documented]):
        self.root, self.results = root, {}
        self.data_dir = os.environ.get("GANLAB_DATA_DIR", "")
        self.cli = [d for d in documented if d.kind == "cli" and not d.skip]
        shutil.copytree(REPO / "assets", root / "assets")
        _make_sketch(root / "my_sketch.png")
        _make_photos(root / "path" / "to" / "DIV2K_train_HR")
        _make_photos(root / "path" / "to" / "my_faces", count=16, size=96)
        _make_pairs(root / "path" / "to" / "facades")
        emoji = np.full((32, 32, 3), 255, np.uint8)
        emoji[8:24, 8:24] = (250, 200, 40)  # a yellow square on white, an emoji's size
        Image.fromarray(emoji).save(root / "emoji32.png")
        digit = np.full((64, 64), 255, np.uint8)
        digit[12:18, 14:50], digit[18:54, 40:46] = 0, 0  # a "7" in dark ink on white, as a photo of paper
        Image.fromarray(digit).save(root / "my_digit.png")
        self.env = {**os.environ, "GANLAB_ASSETS_DIR": str(root / "assets"), "TF_CPP_MIN_LOG_LEVEL": "3",
                    "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}

    def producer(self, path: str) -> Documented | None:
        """The documented command whose --out is ``path``, if any."""
        for d in self.cli:
            argv = shrink(d.text, self.data_dir)
            if any(Path(argv[i]) == Path(path) for i in _flag_value(argv, "--out")):
                return d
        return None

    def run(self, d: Documented) -> subprocess.CompletedProcess:
        """Run a documented command (and first what it reads, if missing); cached."""
        if d.text in self.results:
            return self.results[d.text]
        argv = shrink(d.text, self.data_dir)
        for flag in READS_CHECKPOINT:
            for i in _flag_value(argv, flag):
                src = self.producer(argv[i])
                if not (self.root / argv[i]).exists() and src is not None and src is not d:
                    first = self.run(src)
                    assert first.returncode == 0, (f"`{d.text}` reads {argv[i]}, made by `{src.text}` "
                                                   f"({src.where}), which failed")
        t0, cpu0 = time.perf_counter(), _children_cpu()
        proc = subprocess.run([sys.executable, "-m", "ganlab", *argv], cwd=self.root, env=self.env,
                              capture_output=True, text=True, timeout=TIMEOUT_S)
        proc.seconds, proc.cpu_seconds = time.perf_counter() - t0, _children_cpu() - cpu0
        self.results[d.text] = proc
        return proc


def extract_all(pages: list[Path]) -> list[Documented]:
    """The commands and snippets of every page; a command documented on several pages runs once."""
    unique: dict[str, Documented] = {}
    for path in pages:
        for d in extract(path.read_text(encoding="utf-8"), str(path.relative_to(REPO))):
            unique.setdefault(d.id, d)
    return list(unique.values())


DOCUMENTED = extract_all(PAGES)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    before = _tree_digest(REPO / "assets")
    runs = Scratch(tmp_path_factory.mktemp("readme"), DOCUMENTED)
    yield runs
    for text, proc in runs.results.items():  # shown with pytest -s: where the time goes
        print(f"{proc.seconds:7.1f} s wall {proc.cpu_seconds:7.1f} s CPU  {text}")
    assert _tree_digest(REPO / "assets") == before, "a documented command changed the repository's assets/"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    from ganlab.server.classroom import Classroom
    from tests.ui_helpers import running_app

    with running_app(tmp_path_factory.mktemp("app"), classroom=Classroom(TEACHER_PASSWORD)) as (url, _store):
        yield url


def _params(kind: str) -> list:
    return [pytest.param(d, id=d.id, marks=[pytest.mark.skip(reason=d.skip)] if d.skip else [])
            for d in DOCUMENTED if d.kind == kind]


@pytest.mark.slow  # the README's commands: subprocesses, a served app
@pytest.mark.parametrize("documented", _params("cli"))
def test_documented_command_runs(documented: Documented, scratch: Scratch):
    proc = scratch.run(documented)
    argv = shlex.join(shrink(documented.text, scratch.data_dir))
    assert proc.returncode == 0, (
        f"{documented.where}: `{documented.text}`\nran as `python -m ganlab {argv}` "
        f"in {scratch.root}: exit {proc.returncode}\n--- stdout (end) ---\n{proc.stdout[-3000:]}"
        f"\n--- stderr (end) ---\n{proc.stderr[-3000:]}")


@pytest.mark.slow  # the README's commands: subprocesses, a served app
@pytest.mark.parametrize("documented", _params("client"))
def test_documented_client_snippet_runs(documented: Documented, scratch: Scratch, app_url: str,
                                        monkeypatch):
    assert README_URL in documented.text, f"{documented.where}: the snippet should use {README_URL}"
    monkeypatch.chdir(scratch.root)
    names: dict = {}
    exec(compile(documented.text.replace(README_URL, app_url), f"{documented.page}:{documented.line}", "exec"), names)
    paths = {k: v for k, v in names.items() if k.endswith("path")}
    assert paths, "the snippet should leave its result in a variable named ...path"
    for k, v in paths.items():
        assert Path(v).is_file(), f"{k} = {v!r} is not a file"


@pytest.mark.slow  # the README's commands: subprocesses, a served app
def test_bench_times_every_shipped_generator(scratch: Scratch):
    """``bench``'s inference table has a row for every shipped generator, whatever it takes."""
    bench = next((d for d in DOCUMENTED if d.kind == "cli" and shrink(d.text, "")[0] == "bench"), None)
    assert bench is not None, "README documents `python -m ganlab bench`"
    proc = scratch.run(bench)
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = proc.stdout.split("inference (")[-1].splitlines()[1:]
    timed = {row.split()[0] for row in table if "ms for 1 image" in row}
    generators = {p.parent.name for p in (scratch.root / "assets").glob("*/card.json")
                  if not p.parent.name.startswith("classifier")}
    assert generators and timed == generators, proc.stdout


def test_extract_reads_blocks_inline_code_and_skip_marks():
    md = "\n".join([
        "Run `python -m ganlab generate --checkpoint cgan-mnist --out a.npz` or",
        "`python -m ganlab train | bench`, `python -m ganlab …`, `python -m ganlab COMMAND --help`.",
        "<!-- ci: skip (needs a GPU) -->",
        "```sh",
        "export X=1",
        "python -m ganlab train --model cgan \\",
        "    --steps 5000   # long",
        "```",
        "```sh",
        "# ci: skip (two machines)",
        "python -m ganlab bench",
        "python -m ganlab evaluate --checkpoint NAME --per-class 200",
        "```",
        "```python",
        "from gradio_client import Client",
        "```",
    ])
    got = {d.id: d for d in extract(md)}
    assert got["train --model cgan --steps 5000"].skip == "needs a GPU"
    assert got["train --model cgan --steps 5000"].line == 6
    assert got["bench"].skip == "two machines"
    assert got["evaluate --checkpoint NAME --per-class 200"].skip is None
    assert got["generate --checkpoint cgan-mnist --out a.npz"].skip is None
    assert "synopsis" in got["train '|' bench"].skip and "synopsis" in got["'…'"].skip
    assert "synopsis" in got["COMMAND --help"].skip
    assert [d.kind for d in got.values()].count("client") == 1
    assert shrink("python -m ganlab evaluate --checkpoint NAME --per-class 200", "D") == [
        "evaluate", "--checkpoint", "cgan-mnist", "--per-class", "3"]
    assert shrink("python -m ganlab train --model pix2pix --steps=3000 --data-dir ../x", "D") == [
        "train", "--model", "pix2pix", "--steps", "2", "--data-dir", "D", "--batch-size", "16", "--limit", "256"]
    assert shrink("python -m ganlab bench", "D")[-1] == "--quick"


def test_extract_all_names_the_page_and_runs_a_command_once(tmp_path, monkeypatch):
    """A command documented on two pages is one test, named after the first page that shows it."""
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("Run `python -m ganlab bench`.\n")
    (tmp_path / "docs" / "cli.md").write_text("```sh\npython -m ganlab bench\npython -m ganlab evaluate-sgan\n```\n")
    got = extract_all([tmp_path / "README.md", tmp_path / "docs" / "cli.md"])
    assert [(d.id, d.where) for d in got] == [("bench", "README.md line 1"),
                                              ("evaluate-sgan", str(Path("docs") / "cli.md") + " line 3")]


def test_every_docs_page_is_searched():
    """The pages the commands are read from: README.md and every docs/**/*.md (new pages included)."""
    pages = {str(p.relative_to(REPO)) for p in PAGES}
    assert "README.md" in pages
    assert {str(p.relative_to(REPO)) for p in (REPO / "docs").rglob("*.md")} <= pages


LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _slug(heading: str) -> str:
    """GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    prose = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    lines = [ln for ln in prose.splitlines() if ln.startswith("#")]
    return {_slug(ln.lstrip("#")) for ln in lines}


def broken_links(pages: list[Path]) -> list[str]:
    """Every relative link or image of the pages whose file (or #anchor) does not exist, as 'page: target'."""
    broken = []
    for page in pages:
        prose = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
        for target in LINK.findall(prose):
            if re.match(r"^[a-z]+:", target):  # http(s):, mailto: — not checked offline
                continue
            file, _, anchor = target.partition("#")
            dest = (page.parent / file).resolve() if file else page
            if not dest.exists() or (anchor and dest.suffix == ".md" and anchor not in _anchors(dest)):
                broken.append(f"{page.relative_to(REPO)}: {target}")
    return broken


def test_every_link_and_image_resolves():
    """README.md's and the docs pages' relative links and pictures point at files (and headings) that exist."""
    assert broken_links(PAGES) == []


def test_broken_links_finds_a_missing_file_and_a_missing_heading(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    (tmp_path / "a.md").write_text("# Top part\n[ok](#top-part) [no](#nope) ![pic](x.png) [b](b.md#top-part)\n"
                                   "[web](https://example.org)\n```\n[in code](ignored.md)\n```\n")
    (tmp_path / "b.md").write_text("# Top part\n")
    assert broken_links([tmp_path / "a.md"]) == ["a.md: #nope", "a.md: x.png"]


def test_readme_is_short_and_opens_with_the_two_commands():
    """A teacher reads it in five minutes; CI runs the test command it opens with."""
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines"
    assert "pip install -r requirements.txt && python app.py" in lines[:12]
    assert "pip install -r requirements-dev.txt && python -m pytest -q" in lines[:12]
