"""Every metric a dashboard shows: key, name, unit, which way is better, and its formula in words.

The dashboard's tiles, the goals' metric choices and the definitions page are
all drawn from this one list, and each value is computed by the function named
in ``source`` (in ``metrics.read``) from the daily rows. Where vendors differ,
the choice made is stated here and on the definitions page.
"""

from __future__ import annotations

from dataclasses import dataclass

VERSION = 1  # raised whenever a definition below changes meaning; shown on the definitions page

UNITS = {"percent": "%", "duration": "business time", "calendar": "calendar time", "count": "tickets",
         "per_week": "tickets a week"}  # fmt: skip


@dataclass(frozen=True)
class Metric:
    key: str
    name: str
    unit: str  # percent, duration (business seconds), calendar (seconds), count, per_week
    better: str  # "higher", "lower" or "" (neither: a level to watch)
    words: str
    source: str = "metrics.read.period_values"
    bounds: tuple[float, float] | None = None  # the values it can take (a goal's target must lie inside)

    @property
    def unit_label(self) -> str:
        return UNITS[self.unit]


PERCENT = (0.0, 100.0)
FOREVER = (0.0, 10.0 * 365 * 86400)

METRICS: tuple[Metric, ...] = (
    Metric("sla_frt", "First-response SLA attainment", "percent", "higher",
           "Met ÷ (met + breached) over first-response targets decided in the period. A target is decided when "
           "the first public reply is sent or its due time passes, whichever is first; the outcome is stored "
           "then and never judged again. Every cycle of a reopened ticket counts.", bounds=PERCENT),
    Metric("sla_resolution", "Resolution SLA attainment", "percent", "higher",
           "Met ÷ (met + breached) over resolution targets decided in the period (stored outcomes, every cycle).",
           bounds=PERCENT),
    Metric("ever_breached", "Tickets ever breached", "percent", "lower",
           "Tickets first resolved in the period with at least one breached target in any of their cycles "
           "(so far) ÷ tickets first resolved in the period.", bounds=PERCENT),
    Metric("frt_median", "First response time, median", "duration", "lower",
           "Created → first public reply by an agent, in business time by the team calendar in force over each "
           "part of the interval; customer-facing kinds only (inquiry, incident, bug); a deleted agent's reply "
           "still counts. Over tickets first answered in the period; median by linear interpolation "
           "(PostgreSQL's percentile_cont).", bounds=FOREVER),
    Metric("frt_p90", "First response time, 90th percentile", "duration", "lower",
           "As the median, at the 90th percentile (linear interpolation).", bounds=FOREVER),
    Metric("resolution_median", "Resolution time, median", "duration", "lower",
           "Created → resolved in business time, less the time waiting on the customer and, for a reopened "
           "ticket, the time it stood resolved: one value per resolution (each resolved cycle) in the period.",
           bounds=FOREVER),
    Metric("resolution_p90", "Resolution time, 90th percentile", "duration", "lower",
           "As the median, at the 90th percentile (linear interpolation).", bounds=FOREVER),
    Metric("csat", "CSAT", "percent", "higher",
           "Answers scoring 4 or 5 ÷ answers given in the period (1–5 scale).", bounds=PERCENT),
    Metric("response_rate", "Survey response rate", "percent", "higher",
           "Of the surveys sent in the period, the share answered so far (the cohort of the period's surveys, "
           "not the answers that happened to arrive in it).", bounds=PERCENT),
    Metric("backlog_size", "Open tickets", "count", "lower",
           "Tickets open now (to do, in progress, waiting, escalated). Its trend compares with the end of the "
           "previous period: now less the period's arrivals and reopenings, plus its resolutions.",
           bounds=(0.0, 1e9)),
    Metric("backlog_age_median", "Backlog age, median", "calendar", "lower",
           "Now − created over the tickets open now, calendar time; median by linear interpolation.",
           bounds=FOREVER),
    Metric("backlog_age_p90", "Backlog age, 90th percentile", "calendar", "lower",
           "Now − created over the tickets open now, at the 90th percentile.", bounds=FOREVER),
    Metric("throughput", "Throughput", "per_week", "higher",
           "Resolutions in the period ÷ (days in the period ÷ 7). A ticket resolved, reopened and resolved "
           "again counts twice.", bounds=(0.0, 1e9)),
    Metric("arrivals", "Arrivals", "per_week", "",
           "Tickets created in the period ÷ (days in the period ÷ 7).", bounds=(0.0, 1e9)),
    Metric("reopen_rate", "Reopen rate", "percent", "lower",
           "Tickets first resolved in the period that were reopened at least once (so far) ÷ tickets first "
           "resolved in the period.", bounds=PERCENT),
    Metric("one_touch", "One-touch resolution", "percent", "higher",
           "Tickets first resolved in the period with exactly one public reply by an agent and never reopened "
           "÷ tickets first resolved in the period.", bounds=PERCENT),
    Metric("cycle_median", "Cycle time, median", "calendar", "lower",
           "First entry into In Progress or Escalated → resolved, calendar time, per resolution in the period.",
           bounds=FOREVER),
    Metric("lead_median", "Lead time, median", "calendar", "lower",
           "Created → resolved, calendar time, per resolution in the period.", bounds=FOREVER),
)  # fmt: skip

BY_KEY = {m.key: m for m in METRICS}
