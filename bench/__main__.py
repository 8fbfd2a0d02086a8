"""`make bench`: every benchmark, one after the other."""

from __future__ import annotations

import asyncio

from bench import (
    alert_stream,
    assessment,
    cash_application,
    console,
    credit_check,
    credit_groups,
    dunning,
    forecast,
    ingest,
    reports,
    statements,
)

if __name__ == "__main__":
    asyncio.run(credit_check.main())
    asyncio.run(credit_groups.main())
    asyncio.run(ingest.main())
    asyncio.run(assessment.main())
    asyncio.run(alert_stream.main())
    asyncio.run(dunning.main())
    asyncio.run(statements.main())
    asyncio.run(reports.main())
    asyncio.run(forecast.main())
    asyncio.run(cash_application.main())
    asyncio.run(console.main())
