"""The pure core: Credence's business rules as plain Python, one module per concept.

Nothing here does I/O or imports a framework (a test keeps it so); "now" and every other input is
passed in. Adapters (db, kafka, consumer, outbox, runtime, settings, models) live beside this
package in `shared/` and call into it, never the other way round."""
