from shared.domain.errors import Conflict, NotFound


class ReservationNotFound(NotFound):
    code = "reservation-not-found"
    title = "Reservation not found"


class ReservationNotActive(Conflict):
    code = "reservation-not-active"
    title = "Reservation no longer active"


class ReservationNotCovered(Conflict):
    code = "reservation-not-covered"
    title = "The new amount does not pass the credit check"
