"""Demo data of customer voice: survey answers (``csat``) and feedback items (``feedback``)."""
