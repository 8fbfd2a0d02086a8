"""Who acts: an API key, a person signed in at the console, an ERP's event or the platform itself.
Every command takes one, and the audit log names it."""

from __future__ import annotations

from dataclasses import dataclass

from shared.roles import Role


@dataclass(frozen=True)
class Principal:
    key_id: str
    name: str
    role: Role
    kind: str = "key"

    @property
    def actor(self) -> str:
        """How the audit log names who acted: `key:<name>`, or `event:<source>` for ERP events."""
        return f"{self.kind}:{self.name}"
