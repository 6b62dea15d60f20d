"""argoapp's own SQLite database: migrations, writer and reader threads, offloaded node status.

- `store.Store`: open/migrate/close, `transact`/`read` on the writer thread, `query` on the
  reader thread, node offload; its lock file keeps `backup.restore` away while it is open.
- `backup`: `argoapp db backup|restore` of a data dir's two databases together.
- `migrations`: the numbered schema changes.
- `offload`: the SQL of offloaded node status.
- `archive`: the workflow archive (`Store.archive_*`), `archive_selector` its label selectors.

Kept logs arrive as further migrations and modules.
"""

from argoapp.store.archive import ArchiveError, ArchiveQuery
from argoapp.store.archive_selector import SelectorError, parse_selector
from argoapp.store.store import Store, StoreError

__all__ = ["ArchiveError", "ArchiveQuery", "SelectorError", "Store", "StoreError", "parse_selector"]
