"""The local stack's Kafka cluster id: Kafka's storage tool reads an id starting with '-' as an
option and refuses to format, which made one fresh stack in 64 fail to start."""

from __future__ import annotations

import base64

from services.devstack.kafka import cluster_id


def test_cluster_ids_are_random_uuids_that_never_start_with_a_dash() -> None:
    made = [cluster_id() for _ in range(5_000)]
    assert not [m for m in made if m.startswith("-")]
    assert len(set(made)) == len(made)
    assert all(len(base64.urlsafe_b64decode(m + "==")) == 16 for m in made)
