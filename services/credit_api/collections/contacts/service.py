"""The contact log: every call, visit, e-mail, letter and portal action with a customer, in its
credit file. A next action with its date becomes a worklist task (`follow_up`) when it falls due:
at once when recorded for today or earlier, else in the daily collections run of that day (or the
run that catches that day up), once per contact whatever reruns."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record as audit
from services.credit_api.collections.contacts import repository
from services.credit_api.collections.contacts.errors import InvalidContact
from services.credit_api.collections.contacts.schemas import ContactIn, ContactOut
from services.credit_api.credit.customers import service as customers
from services.credit_api.kernel.principal import Principal
from shared.models.credit_api import CollectionTask, Contact

FOLLOW_UP = "follow_up"


async def record(
    session: AsyncSession, principal: Principal, customer_code: str, body: ContactIn, now: datetime
) -> ContactOut:
    today = now.date()
    await customers.get(session, customer_code)
    errors: list[dict[str, str]] = []
    if body.contact_on > today:
        errors.append({"pointer": "#/contact_on", "detail": "a contact is logged on its day or later"})
    if (body.next_action is None) != (body.next_action_on is None):
        missing = "next_action_on" if body.next_action_on is None else "next_action"
        errors.append({"pointer": f"#/{missing}", "detail": "a next action comes with its date"})
    elif body.next_action_on is not None and body.next_action_on < body.contact_on:
        errors.append({"pointer": "#/next_action_on", "detail": "a next action comes after its contact"})
    if errors:
        raise InvalidContact("; ".join(f"{e['pointer']}: {e['detail']}" for e in errors), errors=errors)
    contact = Contact(
        id=uuid.uuid4(),
        customer_code=customer_code,
        kind=body.kind,
        contact_on=body.contact_on,
        who=body.who,
        summary=body.summary,
        next_action=body.next_action,
        next_action_on=body.next_action_on,
        recorded_by=principal.actor,
        created_at=now,
    )
    tasks = follow_ups([contact], today)
    session.add_all(tasks)
    await repository.add(session, contact)
    out = ContactOut.model_validate(contact)
    await audit(
        session,
        principal,
        "contact.recorded",
        "contact",
        str(contact.id),
        before=None,
        after=out.model_dump(mode="json"),
    )
    return out


async def of_customer(session: AsyncSession, customer_code: str, limit: int = 100) -> list[ContactOut]:
    await customers.get(session, customer_code)
    return [ContactOut.model_validate(c) for c in await repository.of_customer(session, customer_code, limit)]


async def due_follow_ups(session: AsyncSession, as_of: date) -> list[CollectionTask]:
    """The tasks of the next actions that fall due by `as_of` and have none yet, for the daily run
    to record with its own."""
    return follow_ups(await repository.due(session, as_of), as_of)


def follow_ups(contacts: Sequence[Contact], as_of: date) -> list[CollectionTask]:
    """A task for each contact whose next action falls due by `as_of` and has none yet."""
    tasks = []
    for contact in contacts:
        if contact.task_id is not None or contact.next_action_on is None or contact.next_action_on > as_of:
            continue
        contact.task_id = uuid.uuid4()
        tasks.append(
            CollectionTask(
                id=contact.task_id,
                customer_code=contact.customer_code,
                kind=FOLLOW_UP,
                as_of=contact.next_action_on,
                items=[
                    {
                        "contact_id": str(contact.id),
                        "kind": contact.kind,
                        "contact_on": contact.contact_on.isoformat(),
                        "who": contact.who,
                        "next_action": contact.next_action,
                        "next_action_on": contact.next_action_on.isoformat(),
                    }
                ],
            )
        )
    return tasks
