"""``desk redact``: mask personal data in text from stdin, write it to stdout.

For logs, transcripts and exports that leave the team: ``desk redact < chat.txt > clean.txt``
or ``tail -f desk.log | desk redact``. Works line by line (each line is written as soon as it
is read), so it streams; personal data never spans lines. Labels (``[手机号]``) by default,
because what is piped through here is meant to be shared; ``--keep-hint`` keeps the last
digits (``138****5678``).
"""

from __future__ import annotations

import argparse
import codecs
import sys
from collections import Counter
from typing import BinaryIO


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "redact",
        help="mask phone numbers, ID numbers, bank cards, e-mail and addresses (stdin -> stdout)",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    parser.add_argument(
        "--keep-hint",
        action="store_true",
        help="keep prefixes and the last 4 digits (138****5678) instead of labels ([手机号])",
    )
    parser.add_argument(
        "--english", action="store_true", help="English labels ([phone]) instead of Chinese"
    )
    parser.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="VALUE",
        help="a public value to leave alone, e.g. the shop's hotline (repeatable)",
    )
    parser.add_argument(
        "--encoding",
        default="utf-8",
        help="encoding of stdin and stdout (default utf-8; gbk / gb18030 for old Windows files)",
    )
    parser.add_argument(
        "--stats", action="store_true", help="print how many of each kind were masked to stderr"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from desk_app.privacy import LABELS_EN, LABELS_ZH, redact_with_findings

    try:
        codecs.lookup(args.encoding)
    except LookupError:
        print(f"desk redact: unknown encoding {args.encoding!r}", file=sys.stderr)
        return 2
    labels = LABELS_EN if args.english else LABELS_ZH
    source: BinaryIO = sys.stdin.buffer
    sink: BinaryIO = sys.stdout.buffer
    counts: Counter[str] = Counter()
    for number, raw in enumerate(source, start=1):
        try:
            line = raw.decode(args.encoding)
        except UnicodeDecodeError as exc:
            sink.flush()
            print(
                f"desk redact: line {number} is not valid {args.encoding} "
                f"(byte {exc.start + 1}); pass --encoding gb18030 (or the file's encoding)",
                file=sys.stderr,
            )
            return 2
        masked, findings = redact_with_findings(
            line, args.keep_hint, allow=args.allow, labels=labels
        )
        counts.update(finding.kind.value for finding in findings)
        try:
            sink.write(masked.encode(args.encoding, errors="replace"))
            sink.flush()
        except BrokenPipeError:  # `desk redact < big.log | head`: the reader is gone
            return 0
    if args.stats:
        total = sum(counts.values())
        print(f"desk redact: masked {total}", file=sys.stderr)
        for kind, count in sorted(counts.items()):
            print(f"  {kind}: {count}", file=sys.stderr)
    return 0
