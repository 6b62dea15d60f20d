"""argoapp: Argo Workflows as one program (controller, API server, UI, archive) over SQLite."""

__version__ = "0.1.0"
