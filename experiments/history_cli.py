"""Sub-commands `civres compare` and `civres facts`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .manifest import write_atomic, write_manifest


def register(sub: argparse._SubParsersAction) -> None:
    """Add `compare` and `facts` to the civres command line."""
    compare = sub.add_parser("compare", help="run the case catalogue and score it")
    compare.add_argument("--cases", default=None, help="case file (default: the catalogue)")
    compare.add_argument("--reps", type=_positive, default=10, help="runs per case")
    compare.add_argument("--no-coding-uncertainty", action="store_true",
                         help="use each level's central value in every run")
    _add_run_options(compare, "results/compare")
    compare.set_defaults(func=cmd_compare)
    facts = sub.add_parser("facts", help="aggregate facts of the model beside published ones")
    facts.add_argument("--samples", type=_positive, default=400, help="sampled campaigns")
    _add_run_options(facts, "results/facts")
    facts.set_defaults(func=cmd_facts)


def _add_run_options(parser: argparse.ArgumentParser, out: str) -> None:
    """Options shared by compare and facts: seed, workers, JSON, output folder."""
    parser.add_argument("--seed", type=int, default=0, help="master seed")
    parser.add_argument("--workers", type=_positive, default=None, help="worker processes")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--out", default=out, help="folder for tables and figures")


def _positive(text: str) -> int:
    """Argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def cmd_compare(args: argparse.Namespace) -> int:
    """Run every case `--reps` times; print the table and summary; write the figure."""
    from .cases import CaseFileError, load_cases
    from .cli import UsageError
    from .compare import compare_cases, comparison_figure, format_comparison

    try:
        cases = load_cases(args.cases)
    except (CaseFileError, OSError) as err:
        raise UsageError(str(err)) from None
    result = compare_cases(cases, args.reps, args.seed, args.workers,
                           coding_uncertainty=not args.no_coding_uncertainty)
    out = Path(args.out)
    write_atomic(out / "comparison.json", json.dumps(result, indent=2) + "\n")
    comparison_figure(result, out / "comparison.png")
    write_manifest(out, {"command": "compare", "cases": args.cases or "seeds/cases.toml",
                         "reps": args.reps, "seed": args.seed,
                         "coding_uncertainty": not args.no_coding_uncertainty})
    print(json.dumps(result, indent=2) if args.json else format_comparison(result))
    return 0


def cmd_facts(args: argparse.Namespace) -> int:
    """Sample campaigns, run them, print the facts; write table and figure."""
    from .facts import facts, facts_figure, format_facts, run_facts

    runs = run_facts(args.samples, args.seed, args.workers)
    result = facts(runs)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs.to_parquet(out / "facts_runs.parquet", index=False)
    write_atomic(out / "facts.json", json.dumps(result, indent=2) + "\n")
    facts_figure(result, out / "facts.png")
    write_manifest(out, {"command": "facts", "samples": args.samples, "seed": args.seed})
    print(json.dumps(result, indent=2) if args.json else format_facts(result))
    return 0
