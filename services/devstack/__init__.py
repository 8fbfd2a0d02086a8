"""The local stack: a project-local PostgreSQL cluster, a single-node Kafka broker (KRaft) and a
mail sink, all under `.devstack/`, started and stopped idempotently."""
