"""argoapp's own SQLite database: migrations, one database thread, offloaded node status.

- `store.Store`: open/migrate/close, `transact`/`read` on the database thread, node offload.
- `migrations`: the numbered schema changes.
- `offload`: the SQL of offloaded node status.

The archive tables and kept logs arrive as further migrations and modules.
"""

from argoapp.store.store import Store, StoreError

__all__ = ["Store", "StoreError"]
