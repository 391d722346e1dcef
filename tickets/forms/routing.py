"""The routing rule form: parses and offers choices; what may be saved is the service's rule."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Exists, OuterRef, Q

from core.forms import RefusalForm
from teams.models import Membership, Team, User
from tickets.choices import Channel, Kind, Priority, Tier
from tickets.models import Label, RoutingRule
from tickets.routing import WORKING_ROLES, RoutingRuleChange, keyword_list

AUTO = "auto"


class RoutingRuleForm(RefusalForm):
    name = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"placeholder": "e.g. Refunds to billing"}))
    channel = forms.ChoiceField(choices=[("", "Any channel"), *Channel.choices], required=False)
    kind = forms.ChoiceField(choices=[("", "Any kind"), *Kind.choices], required=False)
    priority = forms.TypedChoiceField(
        choices=[("", "Any priority"), *Priority.choices], coerce=int, empty_value=None, required=False
    )
    account_tier = forms.ChoiceField(label="Account tier", choices=[("", "Any tier"), *Tier.choices], required=False)
    keywords = forms.CharField(
        max_length=300,
        required=False,
        help_text="Comma-separated; any one found in the title or description matches (any letter case).",
        widget=forms.TextInput(attrs={"placeholder": "refund, invoice, charged twice"}),
    )
    set_team = forms.TypedChoiceField(label="Route to", coerce=int, empty_value=None, required=False)
    set_priority = forms.TypedChoiceField(
        label="Set priority",
        choices=[("", "Keep the priority"), *Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    add_labels = forms.ModelMultipleChoiceField(
        label="Add labels",
        queryset=Label.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    assign = forms.ChoiceField(label="Assign", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    service_fields = {"set_assignee": "assign", "auto_assign": "assign"}

    def __init__(self, *args: Any, team: Team, editor: User, rule: RoutingRule | None = None, **kwargs: Any) -> None:
        if rule is not None:
            kwargs.setdefault("initial", self._initial(rule))
        super().__init__(*args, **kwargs)
        self.team = team
        # Teams a rule may route to: the editor's other teams, and the rule's current target (kept as it is).
        mine = Membership.objects.filter(user=editor).values("team_id")
        keep = Q(pk=rule.set_team_id) if rule is not None and rule.set_team_id else Q(pk__in=[])
        teams = (
            Team.objects.filter(Q(pk__in=mine) | keep)
            .exclude(pk=team.pk)
            .annotate(is_mine=Exists(Membership.objects.filter(team=OuterRef("pk"), user=editor)))
            .order_by("name")
        )
        self.teams = {t.pk: t for t in teams}
        cast(forms.ChoiceField, self.fields["set_team"]).choices = [
            ("", "Keep in this team"),
            *((pk, t.name) for pk, t in self.teams.items()),
        ]
        labels = cast(forms.ModelMultipleChoiceField, self.fields["add_labels"])
        labels.queryset = Label.objects.filter(team=team).order_by("name")
        self.people = self._assignable(team, rule)
        cast(forms.ChoiceField, self.fields["assign"]).choices = [
            ("", "Leave as it is"),
            (AUTO, "Auto-assign: the agent with the fewest open tickets"),
            *((str(pk), label) for pk, (_user, label) in self.people.items()),
        ]

    @staticmethod
    def _initial(rule: RoutingRule) -> dict[str, Any]:
        assign = AUTO if rule.auto_assign else (str(rule.set_assignee_id) if rule.set_assignee_id else "")
        return {
            "name": rule.name,
            "channel": rule.channel,
            "kind": rule.kind,
            "priority": rule.priority,
            "account_tier": rule.account_tier,
            "keywords": rule.keywords,
            "set_team": rule.set_team_id if rule.set_team_id != rule.team_id else None,
            "set_priority": rule.set_priority,
            "add_labels": [lbl.pk for lbl in rule.add_labels.all()],
            "assign": assign,
            "version": rule.version,
        }

    def _assignable(self, team: Team, rule: RoutingRule | None) -> dict[int, tuple[User, str]]:
        """People who can work tickets here or in the editor's other teams; one query.

        A kept routing target the editor is not in shows none of its people:
        they stay as private as that team's pages.
        """
        visible = [team.pk, *(pk for pk, t in self.teams.items() if t.is_mine)]  # type: ignore[attr-defined]
        rows = (
            Membership.objects.filter(team__in=visible, role__in=WORKING_ROLES)
            .select_related("user")
            .order_by("user__first_name", "user__last_name", "user__username")
        )
        teams_of: dict[int, list[int]] = {}
        users: dict[int, User] = {}
        for m in rows:
            users[m.user_id] = m.user
            teams_of.setdefault(m.user_id, []).append(m.team_id)
        people: dict[int, tuple[User, str]] = {}
        for pk, user in users.items():
            elsewhere = [self.teams[t].name for t in teams_of[pk] if t != team.pk]
            if team.pk in teams_of[pk] or not elsewhere:
                people[pk] = (user, user.display_name)
            else:
                people[pk] = (user, f"{user.display_name} ({', '.join(elsewhere)})")
        if rule is not None and rule.set_assignee is not None and rule.set_assignee_id not in people:
            # Keep showing who the rule names, so saving explains why they no longer fit.
            people[rule.set_assignee.pk] = (rule.set_assignee, f"{rule.set_assignee.display_name} (not in the team)")
        return people

    def clean_keywords(self) -> str:
        return ", ".join(keyword_list(self.cleaned_data["keywords"]))

    def change(self) -> RoutingRuleChange:
        data = self.cleaned_data
        assign = data["assign"]
        assignee = self.people[int(assign)][0] if assign and assign != AUTO else None
        return RoutingRuleChange(
            name=data["name"],
            channel=data["channel"],
            kind=data["kind"],
            priority=data["priority"],
            account_tier=data["account_tier"],
            keywords=data["keywords"],
            set_team=self.teams[data["set_team"]] if data["set_team"] else None,
            set_priority=data["set_priority"],
            add_labels=list(data["add_labels"]),
            set_assignee=assignee,
            auto_assign=assign == AUTO,
        )
