"""The project templates SupportPM ships, from the support projects its users run.

A migration loads them into a new database; ``ensure_shipped`` puts back any
that are missing (a database emptied by tests, say) without touching the
ones managers edited.
"""

from __future__ import annotations

from typing import Any


def P(name: str, days: int, *deliverables: tuple[str, int]) -> dict[str, Any]:
    return {"name": name, "working_days": days, "deliverables": [{"title": t, "day": d} for t, d in deliverables]}


TEMPLATES = [
    {
        "name": "CRM rollout", "framework": "waterfall",
        "description": "Implement a new CRM: pilot it, migrate the data, train the agents, integrate, roll it out "
                       "region by region and keep stakeholders informed.",
        "scope_in": ["Pilot with a few agents", "Data migration", "Training for every agent",
                     "Integration with the ticketing and phone systems", "Phased rollout", "Stakeholder updates"],
        "scope_out": ["Reporting rebuild"],
        "phases": [
            P("Planning", 10, ("Project charter", 3), ("Data migration plan", 8), ("Rollout plan by region", 10)),
            P("Pilot", 15, ("Pilot with five agents", 10), ("Pilot feedback report", 15)),
            P("Data migration", 10, ("Migrate open and recent tickets", 8), ("Migration check", 10)),
            P("Training", 10, ("Training sessions", 8), ("Quick-reference guide", 5)),
            P("Integration", 10, ("Phone system integration", 8), ("Ticketing integration", 10)),
            P("Phased rollout", 15, ("Region one live", 5), ("Region two live", 10), ("All regions live", 15)),
        ],
        "milestones": [{"name": "Pilot sign-off", "after_phase": 2}, {"name": "Go-live", "after_phase": 6}],
        "raci": [{"activity": "Stakeholder updates", "roles": {"owner": "A", "lead": "R"}},
                 {"activity": "Go/no-go decision", "roles": {"owner": "A", "lead": "C"}}],
    },
    {
        "name": "Feedback-process revamp", "framework": "scrum",
        "description": "Collect feedback on every channel, score it by impact and review it regularly.",
        "scope_in": ["Multi-channel feedback collection", "Impact scoring", "Monthly feedback review"],
        "scope_out": ["Public roadmap"],
        "phases": [
            P("Discovery", 5, ("Channel inventory", 3), ("Scoring model", 5)),
            P("Build", 15, ("Feedback forms on every channel", 10), ("Impact score in the queue", 15)),
            P("Review cadence", 5, ("First monthly review", 5)),
        ],
        "milestones": [{"name": "First monthly review", "after_phase": 3}],
        "raci": [{"activity": "Monthly feedback review", "roles": {"owner": "A", "lead": "R"}}],
    },
    {
        "name": "Inquiry-response streamlining", "framework": "waterfall",
        "description": "Answer faster: priority-based ticketing, a knowledge base, and KPIs on response time and "
                       "CSAT.",
        "scope_in": ["Priority-based ticketing", "Knowledge base of the top answers", "Response-time and CSAT KPIs"],
        "scope_out": ["Chatbot"],
        "phases": [
            P("Analysis", 5, ("Top 50 inquiries", 3), ("Current response times", 5)),
            P("Priorities and routing", 10, ("Priority rules", 5), ("Routing rules", 10)),
            P("Knowledge base", 15, ("Articles for the top 50", 15)),
            P("Measure", 10, ("KPI dashboard and goals", 5), ("Before-and-after review", 10)),
        ],
        "milestones": [{"name": "Knowledge base live", "after_phase": 3}],
        "raci": [{"activity": "KPI review", "roles": {"owner": "A", "lead": "R"}}],
    },
    {
        "name": "Live-chat launch", "framework": "kanban",
        "description": "Open live chat on the help centre and in the app.",
        "scope_in": ["Chat widget", "Chat routing", "Canned answers"], "scope_out": ["Voice calls"],
        "phases": [
            P("Set-up", 10, ("Widget configured", 5), ("Routing to chat queues", 10)),
            P("Soft launch", 10, ("Chat for premium accounts", 5)),
            P("Launch", 5, ("Chat for everyone", 5)),
        ],
        "milestones": [{"name": "Chat for everyone", "after_phase": 3}],
        "raci": [],
    },
    {
        "name": "Agent training programme", "framework": "waterfall",
        "description": "Train every agent on products, tools and tone; check what stuck.",
        "scope_in": ["Curriculum", "Sessions", "Assessment"], "scope_out": ["Hiring"],
        "phases": [
            P("Curriculum", 10, ("Learning goals", 3), ("Materials", 10)),
            P("Sessions", 15, ("Session plan", 2), ("All agents trained", 15)),
            P("Assessment", 5, ("Quiz and QA review", 5)),
        ],
        "milestones": [{"name": "All agents trained", "after_phase": 2}],
        "raci": [{"activity": "Training materials", "roles": {"lead": "A", "owner": "C"}}],
    },
]  # fmt: skip


def ensure_shipped(model: Any) -> int:
    """Create the shipped templates that are missing (by name); returns how many were created."""
    existing = set(model.objects.values_list("name", flat=True))
    missing = [t for t in TEMPLATES if t["name"] not in existing]
    model.objects.bulk_create(model(**t) for t in missing)
    return len(missing)
