"""argoapp's own SQLite database: migrations, one database thread, offloaded node status.

- `store.Store`: open/migrate/close, `transact`/`read` on the database thread, node offload.
- `migrations`: the numbered schema changes.
- `offload`: the SQL of offloaded node status.
- `archive`: the workflow archive (`Store.archive_*`), `archive_selector` its label selectors.

Kept logs arrive as further migrations and modules.
"""

from argoapp.store.archive import ArchiveError, ArchiveQuery
from argoapp.store.archive_selector import SelectorError, parse_selector
from argoapp.store.store import Store, StoreError

__all__ = ["ArchiveError", "ArchiveQuery", "SelectorError", "Store", "StoreError", "parse_selector"]
