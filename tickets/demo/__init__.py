"""Demo data of the tickets app: reference data (``data``), tickets with history (``seed``), SLA clocks (``sla``)."""
