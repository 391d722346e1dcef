"""Customer feedback services: intake, the impact score, merging, linking, converting, settings."""

from __future__ import annotations

import pytest

from core.errors import Invalid, StaleEdit
from teams.models import Role
from tests.factories import AccountFactory, LabelFactory, ProjectFactory, make_ticket
from tickets.choices import Kind, Status
from tickets.models import Ticket
from voice import conversion, impact, options, selectors
from voice import feedback as fb
from voice.choices import FeedbackChannel, FeedbackSource, FeedbackStatus, SurveyStatus
from voice.models import CsatSurvey, FeedbackItem, FeedbackSettings

pytestmark = pytest.mark.django_db


def submit(team, text="The export is too slow", **kwargs):
    kwargs.setdefault("channel", FeedbackChannel.EMAIL)
    kwargs.setdefault("source", FeedbackSource.AGENT)
    return fb.feedback_submit(team=team, text=text, **kwargs)


def answered(ticket, score, *, cycle=1, scale=5):
    return CsatSurvey.objects.create(
        team=ticket.team, ticket=ticket, cycle=cycle, email="c@example.com", status=SurveyStatus.ANSWERED,
        score=score, scale=scale,
    )  # fmt: skip


def fresh(item):
    return FeedbackItem.objects.get(pk=item.pk)


# --- The formula ----------------------------------------------------------------------------------


def test_formula_adds_the_weighted_factors():
    factors = impact.ImpactFactors(accounts=2, tier_points=3, mentions=4, negativity=0.5, answers=2)
    score = impact.impact_score(factors, impact.Weights(accounts=3, tier=2, frequency=1, sentiment=2))
    assert [p.points for p in score.parts] == [6, 6, 4, 1]
    assert score.total == 17


def test_formula_rounds_to_two_decimals_and_zero_weights_leave_factors_out():
    factors = impact.ImpactFactors(accounts=1, tier_points=1, mentions=1, negativity=1 / 3)
    assert impact.impact_score(factors, impact.Weights(accounts=0, tier=0, frequency=0, sentiment=1)).total == 0.33


def test_negativity_is_the_mean_distance_from_the_best_answer():
    assert impact.negativity_of([]) == 0
    assert impact.negativity_of([(5, 5)]) == 0
    assert impact.negativity_of([(1, 5)]) == 1
    assert impact.negativity_of([(1, 5), (4, 5)]) == pytest.approx(0.625)


# --- Intake ----------------------------------------------------------------------------------------


def test_submit_stores_and_scores_the_item(team, make_member):
    agent = make_member(team, Role.AGENT)
    acme = AccountFactory(team=team, name="Acme", tier="enterprise")
    tag = LabelFactory(team=team, name="export")
    item = submit(
        team, "  Export to CSV takes minutes  ", by=agent, account=acme, tags=[tag], customer_name="Jane  Roe",
        customer_email="jane@acme.example",
    )  # fmt: skip
    item = fresh(item)
    assert item.text == "Export to CSV takes minutes"
    assert (item.team, item.account, item.created_by, item.status) == (team, acme, agent, FeedbackStatus.NEW)
    assert item.customer_name == "Jane Roe"
    assert list(item.tags.all()) == [tag]
    # 3 × 1 account + 2 × enterprise (3) + 1 × 1 mention + 2 × 0
    assert item.impact_score == 10


def test_submit_without_account_scores_its_one_mention(team):
    assert fresh(submit(team)).impact_score == 1


def test_submit_with_tickets_is_linked(team):
    ticket = make_ticket(team)
    item = submit(team, tickets=[ticket])
    assert item.status == FeedbackStatus.LINKED
    assert list(item.tickets.all()) == [ticket]


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"text": "   "}, "text", "Write what the customer said."),
        ({"text": "x" * (fb.MAX_TEXT + 1)}, "text", f"Keep it to {fb.MAX_TEXT} characters"),
        ({"channel": "fax"}, "channel", "Choose one of the channels."),
        ({"source": "pigeon"}, "source", "Unknown source."),
        ({"customer_email": "not-an-email"}, "customer_email", "Enter an email address"),
        ({"customer_name": "n" * 121}, "customer_name", "Keep the name to 120 characters."),
    ],
)
def test_submit_refuses_bad_input_and_stores_nothing(team, kwargs, field, message):
    kwargs = {"text": "Fine text", **kwargs}
    with pytest.raises(Invalid) as refused:
        submit(team, **kwargs)
    assert message in refused.value.errors[field]
    assert not FeedbackItem.objects.exists()


def test_submit_refuses_another_teams_account_tags_tickets_and_survey(team, other_team):
    theirs_ticket = make_ticket(other_team)
    cases = {
        "account": {"account": AccountFactory(team=other_team)},
        "tags": {"tags": [LabelFactory(team=team), LabelFactory(team=other_team)]},
        "tickets": {"tickets": [theirs_ticket]},
        "survey": {"survey": answered(theirs_ticket, 2)},
    }
    for field, kwargs in cases.items():
        with pytest.raises(Invalid) as refused:
            submit(team, **kwargs)
        assert field in refused.value.errors
    assert not FeedbackItem.objects.exists()


def test_account_name_links_the_account_in_any_letter_case(team, other_team):
    acme = AccountFactory(team=team, name="Acme Corp", tier="premium")
    AccountFactory(team=other_team, name="Globex")
    item = submit(team, account_name="  acme   CORP ", customer_name="Jane")
    assert (item.account, item.customer_name) == (acme, "Jane")
    # A name the team does not know (another team's account) is kept beside the customer's name.
    item = submit(team, account_name="Globex", customer_name="Hank")
    assert (item.account, item.customer_name) == (None, "Hank (Globex)")
    assert submit(team, account_name="Initech").customer_name == "Initech"


# --- Impact score ------------------------------------------------------------------------------------


def test_accounts_and_tier_count_the_merged_duplicates(team):
    premium = AccountFactory(team=team, tier="premium")
    free = AccountFactory(team=team, tier="free")
    main = submit(team, account=premium)
    for account in (free, premium, None):
        dup = submit(team, account=account)
        fb.feedback_merge(duplicate=dup, into=main, by=None, expected_version=dup.version)
    main = fresh(main)
    # accounts {premium, free} = 2; highest tier premium = 2; mentions 4; no answers.
    assert main.mentions == 4
    assert main.impact_score == 3 * 2 + 2 * 2 + 1 * 4
    score = impact.impact_breakdowns([main], impact.Weights())[main.pk]
    assert (score.factors.accounts, score.factors.tier_points, score.factors.mentions) == (2, 2, 4)
    assert score.total == main.impact_score


def test_sentiment_counts_own_survey_and_linked_tickets_answers(team):
    ticket = make_ticket(team)
    answered(ticket, 1)
    answered(ticket, 4, cycle=2)
    CsatSurvey.objects.create(team=team, ticket=ticket, cycle=3, email="c@example.com")  # sent, not answered
    own = answered(make_ticket(team), 3)
    item = submit(team, survey=own)
    assert fresh(item).impact_score == 1 + 2 * 0.5  # own survey only: (5 - 3) / 4
    fb.feedback_link_ticket(item=item, ticket=ticket, by=None)
    # mean of (1 - 0 + …): 4/4, 1/4 and 2/4 → 0.5833…, times 2
    assert fresh(item).impact_score == round(1 + 2 * (1 + 0.25 + 0.5) / 3, 2)
    score = impact.impact_breakdowns([fresh(item)], impact.Weights())[item.pk]
    assert score.factors.answers == 3


def test_an_answer_arriving_later_rescores_the_feedback_it_counts_for(team):
    ticket = make_ticket(team)
    survey = CsatSurvey.objects.create(team=team, ticket=ticket, cycle=1, email="c@example.com")
    via_ticket, own, other = submit(team, tickets=[ticket]), submit(team, survey=survey), submit(team)
    main = submit(team)
    fb.feedback_merge(duplicate=via_ticket, into=main, by=None, expected_version=via_ticket.version)
    assert fresh(own).impact_score == 1 and fresh(main).impact_score == 2
    CsatSurvey.objects.filter(pk=survey.pk).update(status=SurveyStatus.ANSWERED, score=2)
    assert impact.feedback_rescore_for_survey(survey=survey) == 2
    assert fresh(own).impact_score == 1 + 2 * 0.75
    assert fresh(main).impact_score == 2 + 2 * 0.75
    assert fresh(other).impact_score == 1


def test_a_survey_reached_two_ways_counts_once(team):
    ticket = make_ticket(team)
    survey = answered(ticket, 1)
    item = submit(team, survey=survey, tickets=[ticket])
    assert impact.impact_breakdowns([item], impact.Weights())[item.pk].factors.answers == 1
    assert fresh(item).impact_score == 1 + 2 * 1


def test_a_ticket_linked_to_two_items_counts_for_both(team):
    ticket = make_ticket(team)
    answered(ticket, 1)
    a, b = submit(team, tickets=[ticket]), submit(team, tickets=[ticket])
    assert fresh(a).impact_score == fresh(b).impact_score == 3


def test_answers_of_a_duplicates_ticket_count_on_the_item_it_was_merged_into(team):
    ticket = make_ticket(team)
    answered(ticket, 1)
    main, dup = submit(team), submit(team, tickets=[ticket])
    fb.feedback_merge(duplicate=dup, into=main, by=None, expected_version=dup.version)
    assert fresh(main).impact_score == 2 + 2 * 1


def test_weight_change_rescores_the_team_and_only_it(team, other_team):
    enterprise = AccountFactory(team=team, tier="enterprise")
    item = submit(team, account=enterprise)
    theirs = submit(other_team)
    settings = options.feedback_settings_ensure(team=team)
    change = options.FeedbackSettingsChange(
        weight_accounts=0, weight_tier=10, weight_frequency=0.5, weight_sentiment=0, public_form_enabled=True,
        csat_delay_minutes=60, csat_expiry_days=7,
    )  # fmt: skip
    saved = options.feedback_settings_update(team=team, by=None, expected_version=settings.version, change=change)
    assert (saved.version, saved.weight_tier, saved.csat_delay_minutes) == (settings.version + 1, 10, 60)
    assert fresh(item).impact_score == 10 * 3 + 0.5
    assert fresh(theirs).impact_score == 1


def test_an_accounts_new_tier_rescores_its_feedback_and_where_it_was_merged(team):
    from tickets.accounts import account_fingerprint, account_update

    acme = AccountFactory(team=team, name="Acme", tier="free")
    own, main = submit(team, account=acme), submit(team)
    dup = submit(team, account=acme)
    fb.feedback_merge(duplicate=dup, into=main, by=None, expected_version=dup.version)
    assert (fresh(own).impact_score, fresh(main).impact_score) == (4, 5)
    account_update(account=acme, seen=account_fingerprint(acme), name="Acme", tier="enterprise", notes="")
    assert (fresh(own).impact_score, fresh(main).impact_score) == (10, 11)


def test_rescore_costs_the_same_queries_for_few_and_many_items(team, django_assert_num_queries):
    accounts = [AccountFactory(team=team, tier=t) for t in ("free", "premium")]
    ticket = make_ticket(team)
    answered(ticket, 2)

    def populate(n):
        for i in range(n):
            main = submit(team, account=accounts[i % 2], tickets=[ticket] if i % 3 == 0 else [])
            dup = submit(team, account=accounts[(i + 1) % 2])
            fb.feedback_merge(duplicate=dup, into=main, by=None, expected_version=dup.version)

    populate(2)
    FeedbackItem.objects.update(impact_score=0)
    # roots, 4 factor reads, settings, one UPDATE; and the savepoint of its transaction, taken and released
    with django_assert_num_queries(9) as few:
        assert impact.feedback_rescore(team=team) == 2
    populate(20)
    FeedbackItem.objects.update(impact_score=0)
    with django_assert_num_queries(len(few.captured_queries)):
        assert impact.feedback_rescore(team=team) == 22
    with django_assert_num_queries(len(few.captured_queries)):
        impact.feedback_rescore(items=list(FeedbackItem.objects.filter(merged_into__isnull=True)))


def test_rescoring_a_duplicate_rescores_the_item_it_was_merged_into(team):
    main, dup = submit(team), submit(team)
    fb.feedback_merge(duplicate=dup, into=main, by=None, expected_version=dup.version)
    FeedbackItem.objects.update(impact_score=0)
    assert impact.feedback_rescore(items=[dup.pk]) == 1
    assert fresh(main).impact_score == 2
    assert fresh(dup).impact_score == 0
    with pytest.raises(TypeError):
        impact.feedback_rescore()


def test_list_is_sorted_by_impact_and_leaves_out_merged_and_closed(team):
    low = submit(team)
    high = submit(team, account=AccountFactory(team=team, tier="enterprise"))
    middle = submit(team, account=AccountFactory(team=team, tier="free"))
    dup = submit(team, account=AccountFactory(team=team, tier="enterprise"))
    fb.feedback_merge(duplicate=dup, into=middle, by=None, expected_version=dup.version)
    closed = submit(team, account=AccountFactory(team=team, tier="enterprise"))
    fb.feedback_set_status(item=closed, status=FeedbackStatus.CLOSED, by=None, expected_version=closed.version)
    assert list(selectors.feedback_list(team, selectors.FeedbackFilters())) == [middle, high, low]
    every = list(selectors.feedback_list(team, selectors.FeedbackFilters(status=selectors.ANY_STATUS)))
    assert every[-1] == low and set(every) == {middle, high, low, closed}


# --- Merge -------------------------------------------------------------------------------------------


def test_merge_carries_counts_links_and_tags_over(team):
    tag_a, tag_b = LabelFactory(team=team), LabelFactory(team=team)
    t1, t2 = make_ticket(team), make_ticket(team)
    p1 = ProjectFactory(team=team)
    into = submit(team, tags=[tag_a], tickets=[t1])
    dup = submit(team, tags=[tag_a, tag_b], tickets=[t1, t2], account=AccountFactory(team=team, tier="standard"))
    fb.feedback_attach_project(item=dup, project=p1, by=None)
    dup = fresh(dup)
    merged = fb.feedback_merge(duplicate=dup, into=into, by=None, expected_version=dup.version)
    assert merged.mentions == 2
    assert set(merged.tags.all()) == {tag_a, tag_b}
    assert set(merged.tickets.all()) == {t1, t2}
    assert list(merged.projects.all()) == [p1]
    dup = fresh(dup)
    assert (dup.merged_into, dup.status) == (merged, FeedbackStatus.CLOSED)
    # 3 × 1 account + 2 × standard + 1 × 2 mentions
    assert fresh(into).impact_score == 3 + 2 + 2


def test_merging_an_item_with_duplicates_moves_them_and_their_counts(team):
    a, b, c = (submit(team, account=AccountFactory(team=team, tier="free")) for _ in range(3))
    fb.feedback_merge(duplicate=c, into=b, by=None, expected_version=c.version)
    b = fresh(b)
    assert b.mentions == 2
    fb.feedback_merge(duplicate=b, into=a, by=None, expected_version=b.version)
    a = fresh(a)
    assert a.mentions == 3
    assert set(a.duplicates.all()) == {b, c}, "no chains: c now points at a"
    assert fresh(c).merged_into == a
    assert a.impact_score == 3 * 3 + 0 + 3


def test_merge_into_a_linked_item_keeps_it_linked_and_a_new_one_becomes_linked(team):
    into, dup = submit(team), submit(team, tickets=[make_ticket(team)])
    merged = fb.feedback_merge(duplicate=dup, into=into, by=None, expected_version=dup.version)
    assert merged.status == FeedbackStatus.LINKED


def test_merge_refusals(team, other_team):
    a, b, c = submit(team), submit(team), submit(team)
    theirs = submit(other_team)
    with pytest.raises(Invalid, match="itself"):
        fb.feedback_merge(duplicate=a, into=a, by=None, expected_version=a.version)
    with pytest.raises(Invalid, match="another team"):
        fb.feedback_merge(duplicate=a, into=theirs, by=None, expected_version=a.version)
    fb.feedback_merge(duplicate=b, into=c, by=None, expected_version=b.version)
    with pytest.raises(Invalid, match=f"#{b.pk} was itself merged into #{c.pk}"):
        fb.feedback_merge(duplicate=a, into=fresh(b), by=None, expected_version=a.version)
    b = fresh(b)
    with pytest.raises(Invalid, match="already merged"):
        fb.feedback_merge(duplicate=b, into=a, by=None, expected_version=b.version)
    assert fresh(a).mentions == 1 and fresh(a).merged_into is None


def test_stale_merge_is_refused_with_the_current_item(team):
    into, dup = submit(team), submit(team)
    seen = dup.version
    fb.feedback_set_status(item=dup, status=FeedbackStatus.TRIAGED, by=None, expected_version=seen)
    with pytest.raises(StaleEdit) as stale:
        fb.feedback_merge(duplicate=dup, into=into, by=None, expected_version=seen)
    assert stale.value.current.status == FeedbackStatus.TRIAGED
    assert fresh(dup).merged_into is None and fresh(into).mentions == 1


# --- Tickets, projects, status ------------------------------------------------------------------------


def test_convert_creates_one_backlog_ticket(team, make_member):
    agent = make_member(team, Role.AGENT)
    acme = AccountFactory(team=team, name="Acme", tier="premium")
    tag = LabelFactory(team=team, name="export")
    item = submit(
        team, "Export to CSV takes *minutes*.\nPlease make it faster.", channel=FeedbackChannel.CHAT, account=acme,
        customer_name="Jane Roe", customer_email="jane@acme.example", tags=[tag],
    )  # fmt: skip
    before = Ticket.objects.count()
    result = conversion.feedback_to_ticket(item=item, by=agent)
    assert result.created
    ticket = Ticket.objects.get(pk=result.ticket.pk)
    assert (ticket.team, ticket.kind, ticket.status, ticket.account) == (team, Kind.IMPROVEMENT, Status.TODO, acme)
    assert ticket.title == "Export to CSV takes *minutes*."
    assert ticket.channel == "chat"
    assert list(ticket.labels.all()) == [tag]
    assert "> Export to CSV takes *minutes*.\n> Please make it faster." in ticket.description
    for fact in ("From: Jane Roe (jane@acme.example)", "Account: Acme (Premium)", "Channel: Chat"):
        assert fact in ticket.description
    assert "<blockquote>" in ticket.description_html and "<em>minutes</em>" in ticket.description_html
    assert f"/t/{team.slug}/feedback/{item.pk}/" in ticket.description
    assert ticket.events.filter(field="created", actor=agent).exists()
    item = fresh(item)
    assert item.status == FeedbackStatus.LINKED
    assert list(item.tickets.all()) == [ticket]

    again = conversion.feedback_to_ticket(item=item, by=agent)
    assert (again.created, again.ticket.pk) == (False, ticket.pk)
    assert Ticket.objects.count() == before + 1


def test_convert_keeps_customer_details_as_plain_text(team):
    item = submit(team, customer_name="**Bold** <script>x</script>", account_name="Initech_")
    html = conversion.feedback_to_ticket(item=item, by=None).ticket.description_html
    assert "From: **Bold** &lt;script&gt;x&lt;/script&gt; (Initech_)" in html
    assert "<strong>" not in html and "<script>" not in html


def test_convert_a_long_text_gives_a_short_title(team):
    result = conversion.feedback_to_ticket(item=submit(team, "word " * 100), by=None)
    assert len(result.ticket.title) <= 90 and result.ticket.title.endswith("…")


def test_a_merged_duplicate_cannot_be_converted_linked_or_attached(team):
    into, dup = submit(team), submit(team)
    fb.feedback_merge(duplicate=dup, into=into, by=None, expected_version=dup.version)
    dup = fresh(dup)
    for call in (
        lambda: conversion.feedback_to_ticket(item=dup, by=None),
        lambda: fb.feedback_link_ticket(item=dup, ticket=make_ticket(team), by=None),
        lambda: fb.feedback_attach_project(item=dup, project=ProjectFactory(team=team), by=None),
        lambda: fb.feedback_set_status(item=dup, status="new", by=None, expected_version=dup.version),
    ):
        with pytest.raises(Invalid, match=f"merged into #{into.pk}"):
            call()


def test_link_ticket_once_and_only_of_the_team(team, other_team):
    item = submit(team)
    ticket = make_ticket(team)
    linked = fb.feedback_link_ticket(item=item, ticket=ticket, by=None)
    assert linked.status == FeedbackStatus.LINKED and linked.version == item.version + 1
    again = fb.feedback_link_ticket(item=item, ticket=ticket, by=None)
    assert again.version == linked.version and item.tickets.count() == 1
    with pytest.raises(Invalid, match="not in this team"):
        fb.feedback_link_ticket(item=item, ticket=make_ticket(other_team), by=None)


def test_attach_project_once_and_only_of_the_team(team, other_team):
    item = submit(team)
    project = ProjectFactory(team=team)
    assert fb.feedback_attach_project(item=item, project=project, by=None).status == FeedbackStatus.LINKED
    fb.feedback_attach_project(item=item, project=project, by=None)
    assert list(item.projects.all()) == [project]
    with pytest.raises(Invalid, match="not in this team"):
        fb.feedback_attach_project(item=item, project=ProjectFactory(team=other_team), by=None)


def test_linking_keeps_a_closed_item_closed(team):
    item = submit(team)
    item = fb.feedback_set_status(item=item, status=FeedbackStatus.CLOSED, by=None, expected_version=item.version)
    assert fb.feedback_link_ticket(item=item, ticket=make_ticket(team), by=None).status == FeedbackStatus.CLOSED


def test_status_changes(team):
    item = submit(team)
    item = fb.feedback_set_status(item=item, status=FeedbackStatus.TRIAGED, by=None, expected_version=item.version)
    assert (fresh(item).status, fresh(item).version) == (FeedbackStatus.TRIAGED, 2)
    with pytest.raises(Invalid, match="Link a ticket or a project first"):
        fb.feedback_set_status(item=item, status=FeedbackStatus.LINKED, by=None, expected_version=item.version)
    with pytest.raises(Invalid):
        fb.feedback_set_status(item=item, status="lost", by=None, expected_version=item.version)
    with pytest.raises(StaleEdit):
        fb.feedback_set_status(item=item, status=FeedbackStatus.CLOSED, by=None, expected_version=1)
    fb.feedback_attach_project(item=item, project=ProjectFactory(team=team), by=None)
    item = fresh(item)
    item = fb.feedback_set_status(item=item, status=FeedbackStatus.CLOSED, by=None, expected_version=item.version)
    item = fb.feedback_set_status(item=item, status=FeedbackStatus.LINKED, by=None, expected_version=item.version)
    assert fresh(item).status == FeedbackStatus.LINKED


# --- Settings ----------------------------------------------------------------------------------------


def _change(**overrides):
    values = {
        "weight_accounts": 3.0, "weight_tier": 2.0, "weight_frequency": 1.0, "weight_sentiment": 2.0,
        "public_form_enabled": True, "csat_delay_minutes": 1440, "csat_expiry_days": 14,
    }  # fmt: skip
    return options.FeedbackSettingsChange(**{**values, **overrides})


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"weight_tier": -1}, "weight_tier", "from 0 to 100"),
        ({"weight_accounts": 101}, "weight_accounts", "from 0 to 100"),
        ({"weight_sentiment": float("nan")}, "weight_sentiment", "from 0 to 100"),
        (
            {"weight_accounts": 0, "weight_tier": 0, "weight_frequency": 0, "weight_sentiment": 0},
            None,
            "At least one weight",
        ),
        ({"csat_delay_minutes": 30 * 24 * 60 + 1}, "csat_delay_minutes", "30 days"),
        ({"csat_expiry_days": 0}, "csat_expiry_days", "from 1 to 365 days"),
        ({"csat_expiry_days": 366}, "csat_expiry_days", "from 1 to 365 days"),
    ],
)
def test_settings_refuse_values_out_of_range(team, overrides, field, message):
    settings = options.feedback_settings_ensure(team=team)
    with pytest.raises(Invalid) as refused:
        options.feedback_settings_update(
            team=team, by=None, expected_version=settings.version, change=_change(**overrides)
        )
    assert message in refused.value.errors[field]
    assert FeedbackSettings.objects.get(team=team).version == settings.version


def test_stale_settings_are_refused(team):
    settings = options.feedback_settings_ensure(team=team)
    change = _change(csat_expiry_days=3)
    options.feedback_settings_update(team=team, by=None, expected_version=settings.version, change=change)
    with pytest.raises(StaleEdit) as stale:
        options.feedback_settings_update(team=team, by=None, expected_version=settings.version, change=_change())
    assert stale.value.current.csat_expiry_days == 3


def test_settings_are_created_once_with_an_unguessable_key_that_can_be_regenerated(team, other_team):
    settings = options.feedback_settings_ensure(team=team)
    assert options.feedback_settings_ensure(team=team).pk == settings.pk
    assert len(settings.public_form_key) >= 20
    assert options.feedback_settings_ensure(team=other_team).public_form_key != settings.public_form_key
    renewed = options.feedback_public_key_regenerate(team=team, by=None)
    assert renewed.public_form_key != settings.public_form_key and renewed.version == settings.version + 1


def test_tags_of_a_merged_duplicate_cannot_change_and_a_same_set_keeps_the_version(team):
    main = fb.feedback_submit(team=team, text="Dark mode", channel="email", source="agent")
    dup = fb.feedback_submit(team=team, text="Dark mode please", channel="chat", source="agent")
    label = LabelFactory(team=team, name="ui")
    tagged = fb.feedback_set_tags(item=main, tags=[label], by=None, expected_version=main.version)
    assert tagged.version == main.version + 1
    again = fb.feedback_set_tags(item=main, tags=[label], by=None, expected_version=tagged.version)
    assert again.version == tagged.version, "nothing changed, nothing to refuse later"
    fb.feedback_merge(duplicate=dup, into=main, by=None, expected_version=dup.version)
    dup.refresh_from_db()
    with pytest.raises(Invalid, match="merged into"):
        fb.feedback_set_tags(item=dup, tags=[label], by=None, expected_version=dup.version)
    assert not dup.tags.exists()


def test_unlinking_a_ticket_drops_its_answers_from_the_score(team):
    ticket = make_ticket(team, title="Slow exports")
    answered(ticket, 1)
    item = fb.feedback_submit(team=team, text="Exports are slow", channel="email", source="agent", tickets=[ticket])
    weights = impact.Weights()  # the defaults
    assert item.impact_score == pytest.approx(weights.frequency + weights.sentiment)
    after = fb.feedback_unlink_ticket(item=item, ticket=ticket, by=None)
    assert after.impact_score == pytest.approx(weights.frequency)
    assert not after.tickets.exists() and after.version == item.version + 1
