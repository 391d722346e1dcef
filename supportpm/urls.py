from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path

from metrics import views as metrics_views
from supportpm import views
from supportpm.api import api
from teams import views as team_views
from teams.login import ThrottledLoginView
from voice.views import public as public_feedback

team_patterns: list[URLPattern | URLResolver] = [
    path("", include("tickets.urls")),
    path("", include("voice.urls")),
    path("", include("planning.urls")),
    path("", include("projects.urls")),
    path("", include("risks.urls")),
    path("", include("teams.urls")),
    path("", include("metrics.urls")),
    path("dashboard/", metrics_views.dashboard, name="dashboard"),
]

urlpatterns = [
    path("", team_views.home, name="home"),
    path("t/<slug:team_slug>/", include(team_patterns)),
    path("notifications/", include("notifications.urls")),
    path("survey/", include("voice.survey_urls")),
    # A team's public feedback form: no sign-in, found by its unguessable key.
    path("feedback/<slug:key>/", public_feedback.public_feedback, name="public-feedback"),
    path("feedback/<slug:key>/thanks/", public_feedback.public_feedback_thanks, name="public-feedback-thanks"),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("healthz", views.healthz, name="healthz"),
]
