"""The public CSAT survey: outside any team and sign-in, under ``/survey/<token>/``."""

from django.urls import path

from voice.views import survey

app_name = "survey"

urlpatterns = [
    path("<str:token>/", survey.survey_answer, name="answer"),
    path("<str:token>/thanks/", survey.survey_thanks, name="thanks"),
]
