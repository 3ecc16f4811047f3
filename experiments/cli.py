"""The `civres` command line: run a campaign, list parameters, and the tools built on them.

Bad arguments print one line and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from model import PRESETS, CivilResistanceModel, Params
from model.presets import preset


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line and exit status 2."""

    def error(self, message: str) -> None:  # noqa: D102
        raise UsageError(f"{self.prog}: {message}")


class UsageError(Exception):
    """A user error in the command line or its inputs: printed as one line, exit 2."""


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """Turn ["name=value", ...] into typed parameter overrides."""
    overrides = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep:
            raise UsageError(f"--param expects NAME=VALUE, got {pair!r}")
        try:
            overrides[name.strip()] = Params.parse(name.strip(), text)
        except ValueError as err:
            raise UsageError(str(err)) from None
    return overrides


def _format_summary(summary: dict[str, Any], seed: int) -> str:
    """A readable, aligned summary of one run."""
    lines = [
        f"outcome                  {summary['outcome']}"
        f" (decided at step {summary['decided_step']})",
        f"seed                     {seed}",
        f"steps                    {summary['steps']}",
        f"peak participation       {summary['peak_participation']:.1%} of citizens"
        f" = {summary['peak_participation_pct']:.2f}% of the population",
        f"peak violent share       {summary['peak_violent_share']:.1%} of citizens",
        f"security forces defected {summary['security_defected_share']:.1%}",
        f"regime support           {summary['regime_support']:.2f}"
        f" (fell: {'yes' if summary['regime_fell'] else 'no'})",
        f"legitimacy               {summary['legitimacy']:.2f}",
        f"arrests / killings       {summary['arrests']} / {summary['killings']}",
        "pillar loyalty           "
        + ", ".join(f"{k} {v:.2f}" for k, v in summary["pillar_loyalty"].items()),
    ]
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    """Simulate one campaign; print its summary; write trajectory and figure."""
    overrides = parse_overrides(args.param)
    try:
        params = preset(args.preset, **overrides)
    except ValueError as err:
        raise UsageError(str(err)) from None
    model = CivilResistanceModel(params, rng=args.seed)
    summary = model.run()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    trajectory = model.trajectory()
    trajectory.to_csv(out / "trajectory.csv", index=False)
    from experiments.figures import campaign_figure
    from experiments.manifest import write_manifest

    campaign_figure(trajectory, summary, out / "campaign.png")
    write_manifest(out, {"params": params.to_dict(), "seed": args.seed, "preset": args.preset,
                         "summary": summary})
    if args.json:
        print(json.dumps({**summary, "seed": args.seed}, indent=2))
    else:
        print(_format_summary(summary, args.seed))
        print(f"wrote {out / 'trajectory.csv'}, {out / 'campaign.png'}, {out / 'manifest.json'}")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    """List every parameter with its default, range, meaning and source."""
    rows = Params.describe()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        lo, hi = row["range"]
        print(f"{row['name']:<20} {row['type']:<5} default {row['default']!s:<7} "
              f"range [{lo}, {hi}]  {row['meaning']}  ({row['source']})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The full command-line parser."""
    parser = _Parser(prog="civres", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="simulate one campaign")
    run.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                     help="override a parameter (repeatable); see `civres params`")
    run.add_argument("--preset", default="default", choices=sorted(PRESETS),
                     help="start from a named preset")
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    run.add_argument("--out", default="results/run", help="folder for trajectory and figure")
    run.set_defaults(func=cmd_run)
    params = sub.add_parser("params", help="list every parameter")
    params.add_argument("--json", action="store_true", help="print as JSON")
    params.set_defaults(func=cmd_params)
    for register in _plugins():
        register(sub)
    return parser


def _plugins():
    """Sub-commands defined by the other experiment modules."""
    found = []
    for name in ("experiments.sweep", "experiments.history_cli", "viz.serve"):
        try:
            module = __import__(name, fromlist=["register"])
        except ModuleNotFoundError as err:
            if err.name != name:
                raise
            continue
        found.append(module.register)
    return found


def main(argv: list[str] | None = None) -> int:
    """Entry point of `civres`."""
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    # Re-import so plugins and this entry point share one UsageError class (under -m
    # this file runs as __main__, a second copy of the module).
    from experiments.cli import main as _main

    sys.exit(_main())
