"""argoapp's benchmarks: they print numbers and never fail the test suite."""
