"""Many new accounts of one delivery encoded at once as stored events (the
bulk path of an initial complete delivery, events/usecases/aaf_apply.py)."""

from __future__ import annotations

import json
from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic

from events.account import Account, account_id


class NewAccounts:
    """The ``Appeared`` events of many new accounts of one delivery, written as
    stored events without constructing each aggregate (an initial complete
    delivery creates hundreds of thousands of streams).

    The stored state is exactly what the mapper would write for
    ``Account(jointure=…, …)``: the fields shared by the batch are encoded once
    by the application's transcoder, the per-person fields are appended, and
    ``attrs`` is the JSON the ingest already staged. Only for a log that is
    neither compressed nor encrypted (``available``)."""

    def __init__(
        self, mapper: Mapper[UUID], category: str, delivery_id: str, at: datetime, creation_due: datetime
    ) -> None:
        self.available = getattr(mapper, "cipher", None) is None and getattr(mapper, "compressor", None) is None
        common = {
            "timestamp": Account.Appeared.create_timestamp(),
            "originator_topic": get_topic(Account),
            "category": category,
            "delivery_id": delivery_id,
            "at": at,
            "creation_due": creation_due,
        }
        self._head = mapper.transcoder.encode(common)[:-1].decode("utf8")
        self._topic = get_topic(Account.Appeared)
        # A sealing mapper (events/application.py) seals the personal attributes
        # under the new stream's key, as it would for the aggregate's event.
        self._sealer = getattr(mapper, "sealer", None)
        self._encode = mapper.transcoder.encode

    def stored_event(
        self, jointure: str, attrs_json: str, digest: str, file: str, line: int, originator_id: UUID | None = None
    ) -> StoredEvent:
        originator_id = originator_id or account_id(jointure)
        if self._sealer is not None:
            sealed = {"attrs": json.loads(attrs_json)}
            self._sealer.seal(self._topic, str(originator_id), sealed, fresh=True)
            attrs_json = self._encode(sealed["attrs"]).decode("utf8")
        state = (
            f'{self._head},"jointure":{json.dumps(jointure, ensure_ascii=False)},"attrs":{attrs_json},'
            f'"digest":{json.dumps(digest)},"file":{json.dumps(file, ensure_ascii=False)},"line":{int(line)}}}'
        )
        return StoredEvent(
            originator_id=originator_id,
            originator_version=1,
            topic=self._topic,
            state=state.encode("utf8"),
        )
