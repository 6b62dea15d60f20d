"""`argoapp exec init|wait|emissary`: the in-pod executor (the engine issue)."""
