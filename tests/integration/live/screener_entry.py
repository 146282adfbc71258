"""Runs the screener service exactly as ``tradeassist screener`` does (for the process tests
until the command is wired into the CLI): one-line errors and exit status 2."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from tradeassist.errors import TradeAssistError
from tradeassist.live.service import serve_screener
from tradeassist.settings import load_settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", type=Path, required=True)
    parser.add_argument("--corporate-actions", type=Path)
    parser.add_argument("--shard")
    parser.add_argument("--start")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        summary = serve_screener(
            load_settings(),
            reference=args.reference,
            corporate_actions=args.corporate_actions,
            shard=args.shard,
            start=args.start,
        )
    except TradeAssistError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from None
    print(summary, file=sys.stderr)


if __name__ == "__main__":
    main()
