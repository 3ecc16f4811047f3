"""The project's errors: one family of user errors, and the one error that is not the user's.

Every `CivresError` is something the user can fix (a command-line option, a sweep config,
a case file, a result folder). The command line (`civres.cli.main`) turns any of them
into `error: <message>` on stderr and exit status 2, in one place; library code raises
them and never prints.

`RunAborted` is different: the executor failed (a worker died, a cluster went away)
before every run was done. The command line reports it on one line with exit status 1.

This module imports nothing from the project, so any module (the app's server included)
can raise these errors without an import circle.
"""

from __future__ import annotations


class CivresError(Exception):
    """A user error: reported as `error: <message>` with exit status 2, never a traceback."""


class UsageError(CivresError):
    """A bad command line: an unknown option, a value out of range, a busy port."""


class SweepError(CivresError):
    """A sweep that cannot run as asked: its config, or its output folder.

    The output folder holds another sweep, or results without `--resume`; or a Dask
    scheduler cannot be reached. Config problems are the subclass `ConfigError`.
    """


class ConfigError(SweepError, ValueError):
    """An invalid sweep config; the message names the key and what is allowed."""


#: The name sweeps used before the error family (tests and users' scripts catch it).
SweepConfigError = ConfigError


class CaseFileError(CivresError, ValueError):
    """A case file that cannot be used; the message has one line per problem.

    Attributes:
        source: The file name (or label) the problems were found in.
        problems: Each problem as one line, already prefixed with ``source``.
    """

    def __init__(self, source: str, problems: list[str]) -> None:
        """Build the error from all problems found in ``source``.

        Args:
            source: The file name or label used in the messages.
            problems: Problem descriptions without the source prefix.
        """
        self.source = source
        self.problems = tuple(f"{source}: {problem}" for problem in problems)
        super().__init__("\n".join(self.problems))


class AnalysisError(CivresError):
    """A result folder that cannot be analysed (missing, empty, bad option)."""


class ResultsError(CivresError):
    """A result folder whose files cannot be trusted as one experiment's results.

    Files of another experiment (another config, or other model code), or files whose
    checksum does not match what was written: reported by name, never read as results.
    """


class OutputError(CivresError):
    """An output folder that cannot be used: empty, a file, not writable, locked."""


class RunAborted(RuntimeError):
    """The executor failed before every run was done (not a user error: exit status 1).

    A run that raises is not this: it is recorded as a row with its error.
    """


class SweepAborted(RunAborted):
    """A sweep stopped before finishing; its finished runs are saved, `--resume` goes on."""


class WriteFailed(RunAborted):
    """Writing results failed part-way (the disk is full, the folder went away).

    Not a user error (exit status 1). Nothing is half-written: each file appears whole or
    not at all, and whatever was written before stays (a sweep's finished runs included).
    """


class Terminated(KeyboardInterrupt):
    """SIGINT, SIGTERM or SIGHUP: stop like Ctrl-C (finished runs are saved), exit 128+n.

    A KeyboardInterrupt, so everything that cleans up after Ctrl-C cleans up after it too.
    """

    def __init__(self, signum: int, name: str) -> None:
        self.signum = signum
        self.name = name
        super().__init__(name)
