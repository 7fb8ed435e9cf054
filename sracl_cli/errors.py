"""The two kinds of failure the CLI tells apart, and their exit codes."""


class UsageError(Exception):
    """Bad usage, recipe or data: exit code 2. `lines` are printed one per line."""

    exit_code = 2

    def __init__(self, *lines: str):
        super().__init__("\n".join(lines))
        self.lines = list(lines)


class RunFailure(Exception):
    """A stage failed while running (not the user's input): exit code 1."""

    exit_code = 1
