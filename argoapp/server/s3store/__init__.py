"""argoapp's built-in S3 store, served on the Argo API's port (see `store.py`).

The runtime makes the credentials (`load_or_create_credentials`), starts an `S3Store` on
DATA_DIR/artifacts and passes it to `build_app(s3store=…)`.
"""

from argoapp.server.s3store.credentials import load_or_create_credentials
from argoapp.server.s3store.store import S3Store, is_s3_request

__all__ = ["S3Store", "is_s3_request", "load_or_create_credentials"]
