"""The append-only, hash-chained audit log.

Every entry holds the hash of the one before it, so ``kanmin audit verify`` finds an entry that
was changed, deleted or inserted. May import ``kanmin.accounts`` and ``kanmin.core``.
"""
