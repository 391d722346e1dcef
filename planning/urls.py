from django.urls import path

from planning.views import backlog, reviews, sprints, standups

app_name = "planning"

urlpatterns = [
    path("backlog/", backlog.backlog, name="backlog"),
    path("backlog/move/", backlog.backlog_move, name="backlog-move"),
    path("backlog/<int:ticket_id>/groom/", backlog.groom, name="groom"),
    path("backlog/<int:ticket_id>/groom/cancel/", backlog.groom_cancel, name="groom-cancel"),
    path("backlog/quick-wins-first/", backlog.quick_wins_first, name="quick-wins"),
    path("backlog/matrix/", backlog.matrix, name="matrix"),
    path("backlog/matrix/move/", backlog.matrix_move, name="matrix-move"),
    path("sprints/", sprints.sprint_list, name="sprints"),
    path("sprints/<int:number>/", sprints.sprint_detail, name="sprint"),
    path("sprints/<int:number>/plan/", sprints.sprint_plan_move, name="sprint-plan"),
    path("sprints/<int:number>/start/", sprints.sprint_start, name="sprint-start"),
    path("sprints/<int:number>/edit/", sprints.sprint_edit, name="sprint-edit"),
    path("sprints/<int:number>/close/", sprints.sprint_close, name="sprint-close"),
    path("sprints/<int:number>/board/", sprints.sprint_board, name="sprint-board"),
    path("sprints/<int:number>/burndown.csv", sprints.sprint_csv, name="sprint-csv"),
    path("sprints/<int:number>/standup/", standups.standup, name="standup"),
    path("sprints/<int:number>/standup/<str:day>/", standups.standup, name="standup-day"),
    path(
        "sprints/<int:number>/standup/<str:day>/entries/<int:member_id>/", standups.standup_entry, name="standup-entry"
    ),
    path("sprints/<int:number>/standup/<str:day>/blockers/", standups.blocker_raise, name="blocker-raise"),
    path("sprints/<int:number>/blockers/<int:blocker_id>/clear/", standups.blocker_clear, name="blocker-clear"),
    path("sprints/<int:number>/review/", reviews.review, name="review"),
    path("sprints/<int:number>/retrospective/", reviews.retro, name="retro"),
    path("projects/<int:pk>/sprints/", sprints.project_sprints, name="project-sprints"),
    path("sprints/<int:number>/retrospective/notes/", reviews.retro_note, name="retro-note"),
    path("sprints/<int:number>/retrospective/notes/<int:note_id>/vote/", reviews.retro_vote, name="retro-vote"),
    path("sprints/<int:number>/retrospective/actions/", reviews.retro_action, name="retro-action"),
    path(
        "sprints/<int:number>/retrospective/actions/<int:action_id>/decide/", reviews.retro_decide, name="retro-decide"
    ),
    path("sprints/<int:number>/retrospective/settings/", reviews.retro_settings, name="retro-settings"),
]
