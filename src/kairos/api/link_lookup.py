"""Which scheduler link a request means, and how Kairos may read and write its sources.

Shared by the `/scheduler-links` routes, the sync (api/sync_operations.py), the writes through to
a linked scheduler (api/linked_writes.py) and the beat's routes, so none of them imports a router.
"""

from __future__ import annotations

from kairos.domain.links import SchedulerLink
from kairos.exceptions import InvalidInput, LinkNotFound
from kairos.integrations.sources import SourcePolicy
from kairos.settings import Settings
from kairos.store.base import Page, Store


def resolve_link(store: Store, workspace_id: str, link_id: str | None, link_type: str | None = None) -> SchedulerLink:
    """The named link, or the workspace's only one (of `link_type`); a 400 asking for `link_id` otherwise.

    Without a `link_id`, a schedule naming its `scheduler` is at fault in that field.
    """
    loc = "scheduler" if link_id is None and link_type is not None else "link_id"
    if link_id is not None:
        try:
            link = store.get_link(workspace_id, link_id)
        except LinkNotFound:
            raise InvalidInput.field(loc, f"no scheduler link {link_id!r} in this workspace") from None
        if link_type is not None and link.type != link_type:
            raise InvalidInput.field(loc, f"link {link_id!r} is a {link.type} link, not {link_type}")
        return link
    found = store.list_links(workspace_id, Page(limit=2), type=link_type).items
    what = f"{link_type} " if link_type else ""
    if not found:
        raise InvalidInput.field(loc, f"this workspace has no {what}scheduler link: create one at "
                                      "/scheduler-links first")
    if len(found) > 1:
        raise InvalidInput.field(loc, f"this workspace has several {what}links: say which with link_id")
    return found[0]


def source_policy(settings: Settings) -> SourcePolicy:
    return SourcePolicy(allow_private_networks=settings.allow_private_networks,
                        allow_app_imports=settings.link_app_imports)
