"""The root of argoapp's own errors.

Every error argoapp raises on purpose derives from `ArgoappError`. The HTTP layers map them to
their wire bodies (Argo's JSON errors, Kubernetes' `Status`); the CLI maps them to exit codes and
a one-line message, never a traceback.
"""


class ArgoappError(Exception):
    """An error argoapp reports to a person or a client, with a process exit code."""

    exit_code = 1


class ConfigError(ArgoappError):
    """A setting, flag or configuration file that cannot be used as given."""

    exit_code = 2
