"""Database models. Each service writes only the tables of its own schema; it reads other
services' data only through the views documented in `views.py`."""

from shared.models import credit_api, notifier, risk_worker, views
from shared.models.base import Base

__all__ = ["Base", "credit_api", "notifier", "risk_worker", "views"]
