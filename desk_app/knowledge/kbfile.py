"""Knowledge base files: read and write articles as YAML, JSON or CSV.

The format is chosen by the file's extension (``.yaml``/``.yml``, ``.json``, ``.csv``).

YAML and JSON hold one object with an ``articles`` list (a bare list is accepted too)::

    articles:
      - id: return-policy          # letters (any script), digits, _ . - ; unique
        title: 七天无理由退货
        answer: 签收后7天内……
        questions: [怎么退货, 可以退货吗]
        tags: [售后]
        status: published          # optional: draft, pending_review, published, archived
        author: alice              # optional; reviewer and review_by (a date) too

CSV is for editing in a spreadsheet: a header row with ``id,title,answer,questions,tags,
status`` (``author``, ``reviewer``, ``review_by`` optional), one article a row. A list cell
holds its items joined by ``" | "`` (a ``|`` inside a question is written as the full-width
``｜``, which matching treats the same). Files are written as UTF-8 with a byte-order mark so
that Excel shows Chinese correctly; on reading, a file Excel saved as GBK/GB18030 is accepted.

An article whose file gives no status is read as ``published``: a knowledge base file is an
FAQ the bot should answer from. Writing masks personal data (phone numbers, ID numbers,
e-mail addresses...) in titles, answers and questions, because an exported file leaves the
system and submissions made from chats may carry what a contact typed.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import yaml

from desk_app.knowledge.articles import ArticleData, ArticleError, ArticleStatus, clean_article

__all__ = ["CSV_COLUMNS", "KbFileError", "dump_kb", "kb_format", "load_kb", "mask_personal_data"]

CSV_COLUMNS = ("id", "title", "answer", "questions", "tags", "status")
CSV_OPTIONAL = ("author", "reviewer", "review_by")
LIST_SEPARATOR = " | "
MAX_FILE_BYTES = 200 * 1024 * 1024


class KbFileError(ArticleError):
    """A knowledge base file that cannot be read; the message names the file and article."""


def kb_format(path: Path) -> str:
    """``yaml``, ``json`` or ``csv`` from the extension; raises KbFileError otherwise."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix in (".json", ".csv"):
        return suffix[1:]
    raise KbFileError(
        f"{path.name}: unknown format {suffix or '(no extension)'!r}; "
        "use .yaml, .yml, .json or .csv"
    )


# ---------------------------------------------------------------------------------------------
# Reading


def load_kb(path: str | Path) -> list[ArticleData]:
    """Every article in the file, cleaned and checked; raises KbFileError with the reason."""
    path = Path(path)
    fmt = kb_format(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise KbFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if size > MAX_FILE_BYTES:
        raise KbFileError(f"{path.name}: larger than {MAX_FILE_BYTES // 2**20} MiB")
    raw = path.read_bytes()
    if fmt == "csv":
        records = _read_csv(raw, path.name)
    else:
        text = _decode(raw, path.name)
        records = _read_yaml(text, path.name) if fmt == "yaml" else _read_json(text, path.name)
    return _articles(records, path.name)


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")  # what Excel and Notepad write on Chinese Windows
    except UnicodeDecodeError:
        raise KbFileError(f"{name}: not UTF-8 or GB18030 text") from None


def _read_yaml(text: str, name: str) -> list[Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 10x faster on big files
    try:
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise KbFileError(f"{name}: not valid YAML: {exc}") from None
    return _article_list(data, name)


def _read_json(text: str, name: str) -> list[Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KbFileError(f"{name}: not valid JSON: {exc}") from None
    return _article_list(data, name)


def _article_list(data: Any, name: str) -> list[Any]:
    if isinstance(data, dict):
        if "articles" not in data:
            raise KbFileError(f"{name}: expected a top-level 'articles' list")
        data = data["articles"]
    if data is None:
        return []
    if not isinstance(data, list):
        raise KbFileError(f"{name}: 'articles' must be a list")
    return data


def _read_csv(raw: bytes, name: str) -> list[Any]:
    reader = csv.DictReader(io.StringIO(_decode(raw, name), newline=""))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("id", "title", "answer") if c not in header]
    if missing:
        raise KbFileError(
            f"{name}: the header row lacks {', '.join(missing)} (expected {','.join(CSV_COLUMNS)})"
        )
    reader.fieldnames = header
    records: list[Any] = []
    for row in reader:
        if not any((value or "").strip() for key, value in row.items() if key is not None):
            continue  # a blank line in the spreadsheet
        record: dict[str, Any] = {k: (v or "") for k, v in row.items() if k is not None}
        for key in ("questions", "tags"):
            record[key] = _split_cell(record.get(key, ""))
        for key in ("status", "reviewer", "review_by", "author"):
            if not record.get(key, "").strip():
                record.pop(key, None)
        records.append(record)
    return records


def _split_cell(cell: str) -> list[str]:
    return [part.strip() for part in cell.replace("\n", "|").split("|") if part.strip()]


def _when(value: Any, what: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=UTC)
    if isinstance(value, str):
        try:
            return _when(datetime.fromisoformat(value.strip()), what)
        except ValueError:
            pass
    raise ArticleError(f"{what} must be a date like 2025-06-30, not {value!r}")


def _articles(records: list[Any], name: str) -> list[ArticleData]:
    articles: list[ArticleData] = []
    seen: set[str] = set()
    for number, record in enumerate(records, start=1):
        label = f"{name}: article {number}"
        if not isinstance(record, dict):
            raise KbFileError(f"{label}: expected a mapping with id, title, answer")
        article_id = record.get("id")
        if isinstance(article_id, int) and not isinstance(article_id, bool):
            article_id = str(article_id)
        if isinstance(article_id, str):
            label += f" ({article_id})"
        try:
            status = record.get("status") or ArticleStatus.PUBLISHED
            try:
                status = ArticleStatus(str(status).strip().lower())
            except ValueError:
                raise ArticleError(
                    f"status {status!r} is not one of {', '.join(s.value for s in ArticleStatus)}"
                ) from None
            article = clean_article(
                ArticleData(
                    id=article_id if isinstance(article_id, str) else repr(article_id),
                    title=record.get("title"),  # type: ignore[arg-type]  # checked by clean
                    answer=record.get("answer"),  # type: ignore[arg-type]
                    questions=record.get("questions") or (),
                    tags=record.get("tags") or (),
                    status=status,
                    author=str(record.get("author") or ""),
                    reviewer=(str(record["reviewer"]) if record.get("reviewer") else None),
                    review_by=_when(record.get("review_by"), "review_by"),
                )
            )
        except ArticleError as exc:
            raise KbFileError(f"{label}: {exc.detail}") from None
        if article.id in seen:
            raise KbFileError(f"{label}: id {article.id!r} appears twice")
        seen.add(article.id)
        articles.append(article)
    return articles


# ---------------------------------------------------------------------------------------------
# Writing


def _minimal_redact(text: str) -> str:
    """Stand-in used only while desk_app.privacy.redact is missing: mobiles, ID numbers,
    e-mail addresses. The privacy module also covers landlines, bank cards and addresses."""
    text = _EMAIL.sub("[邮箱]", text)
    text = _ID_NUMBER.sub("[身份证号]", text)
    return _MOBILE.sub("[手机号]", text)


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ID_NUMBER = re.compile(r"(?<!\d)\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[\dXx](?![\dXx])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")


def mask_personal_data() -> Callable[[str], str]:
    """The product's redactor (desk_app.privacy.redact), or the minimal stand-in above."""
    try:
        from desk_app.privacy.redact import redact
    except ImportError:
        return _minimal_redact
    return redact


def _masked(article: ArticleData, redact: Callable[[str], str]) -> ArticleData:
    return replace(
        article,
        title=redact(article.title),
        answer=redact(article.answer),
        questions=tuple(redact(q) for q in article.questions),
    )


def _record(article: ArticleData) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "answer": article.answer,
        "questions": list(article.questions),
        "tags": list(article.tags),
        "status": article.status.value,
    }
    if article.author:
        record["author"] = article.author
    if article.reviewer:
        record["reviewer"] = article.reviewer
    if article.review_by is not None:
        record["review_by"] = article.review_by.date().isoformat()
    return record


class _Dumper(yaml.SafeDumper):
    """Block style, with multi-line answers as ``|`` literals so they read as written."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def _cell(items: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(item.replace("|", "｜") for item in items)


def dump_kb(articles: Iterable[ArticleData], path: str | Path, *, mask: bool = True) -> int:
    """Write the articles to ``path`` (format by extension); returns how many.

    The file is written next to its destination and renamed over it, so an interrupted
    export never leaves half a file where a good one was.
    """
    path = Path(path)
    fmt = kb_format(path)
    redact = mask_personal_data() if mask else None
    items = [_masked(a, redact) if redact else a for a in articles]
    if fmt == "csv":
        buffer = io.StringIO(newline="")
        columns = list(CSV_COLUMNS) + [
            c for c in CSV_OPTIONAL if any(_record(a).get(c) for a in items)
        ]
        writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for article in items:
            row = _record(article)
            row["questions"] = _cell(article.questions)
            row["tags"] = _cell(article.tags)
            writer.writerow(row)
        data = buffer.getvalue().encode("utf-8-sig")
    elif fmt == "json":
        payload = {"articles": [_record(a) for a in items]}
        data = (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    else:
        text = yaml.dump(
            {"articles": [_record(a) for a in items]},
            Dumper=_Dumper,
            allow_unicode=True,
            sort_keys=False,
            width=100,
        )
        data = text.encode("utf-8")
    _write_atomically(path, data)
    return len(items)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
