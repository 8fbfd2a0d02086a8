"""Every subscription of credit_api's domain events, in one place: what each action sets off in
other nouns. Read a row as "when this happens, that follows, in the same transaction". A handler
of a type also receives its subtypes, after the handlers of the more general types."""

from __future__ import annotations

from services.credit_api.credit.credit_holds import service as credit_holds
from services.credit_api.credit.events import GroupStandingChanged, LimitChanged, StandingChanged
from services.credit_api.credit.reviews import service as reviews
from services.credit_api.kernel import messagebus

SUBSCRIPTIONS: messagebus.Subscriptions = {
    # A new limit sets the next review date.
    LimitChanged: (reviews.reschedule_after_limit_change,),
    # Unblocked, a limit raised, a temporary increase, a reservation released or lowered, a
    # payment or credit note: held orders are decided again, oldest first (those of every member of
    # the customer's group tree, whose room under the group limits it shares).
    StandingChanged: (credit_holds.reevaluate,),
    # A group limit raised, a member gone from a group: held orders in its group tree, likewise.
    GroupStandingChanged: (credit_holds.reevaluate_group,),
}


def register() -> None:
    messagebus.configure(SUBSCRIPTIONS)
