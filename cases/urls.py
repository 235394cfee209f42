from django.contrib.auth import views as auth_views
from django.urls import path

from cases import (
    batch_views,
    case_views,
    dashboard_views,
    employer_views,
    export_views,
    letter_views,
    privacy_views,
    signin_views,
    views,
)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    path("inloggen/", auth_views.LoginView.as_view(), name="login"),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    # After the password: the second factor, setting it up, a new password (cases/signin_views.py)
    path("inloggen/code/", signin_views.otp_verify, name="otp_verify"),
    path("inloggen/tweestapsverificatie/", signin_views.otp_setup, name="otp_setup"),
    path("wachtwoord-wijzigen/", signin_views.password_change, name="password_change"),
    path("intake/", views.intake_queue, name="intake_queue"),
    path("meldingen/", views.all_cases, name="all_cases"),
    path("meldingen/mijn/", views.my_cases, name="my_cases"),
    path("meldingen/nieuw/", views.case_create, name="case_create"),
    path("meldingen/termijnen/", views.my_deadlines, name="my_deadlines"),
    # Exports of a case list ("intake", "mijn", "alle") as CSV or XLSX (cases/export_views.py)
    path("export/<slug:scope>.<slug:fmt>", export_views.case_export, name="case_export"),
    path("zoeken/", views.search, name="search"),
    # The intake form's employer lookup: JSON with the establishments of a KvK number.
    path("werkgevers/", views.employer_lookup, name="employer_lookup"),
    # Everything about one employer (its KvK number), and the team leaders' surge view.
    path("werkgevers/<int:pk>/", employer_views.employer_detail, name="employer_detail"),
    path("werkgevers/drukte/", employer_views.surge, name="surge"),
    path(
        "werkgevers/<int:pk>/toewijzen/",
        employer_views.surge_assign,
        name="surge_assign",
    ),
    path("meldingen/<str:reference>/", case_views.case_detail, name="case_detail"),
    # Every action of the workflow table (cases.workflow.ACTIONS) is a POST here.
    path(
        "meldingen/<str:reference>/actie/<slug:action>/",
        case_views.case_action,
        name="case_action",
    ),
    # "Oppakken" from the intake queue: the action "take" under its own address.
    path("meldingen/<str:reference>/oppakken/", case_views.case_take, name="case_take"),
    # Supervisor dashboard and recorded figures (cases/dashboard_views.py)
    path("dashboard/", dashboard_views.dashboard_page, name="dashboard"),
    path("dashboard/export.<slug:fmt>", export_views.dashboard_export, name="dashboard_export"),
    path("dashboard/rapport/", dashboard_views.figures_report, name="figures_report"),
    path("dashboard/vastleggen/", dashboard_views.snapshot_create, name="snapshot_create"),
    path("dashboard/cijfers/", dashboard_views.snapshot_list, name="snapshot_list"),
    path("dashboard/cijfers/<int:pk>/", dashboard_views.snapshot_detail, name="snapshot_detail"),
    # A team leader has seen a grant of a role that sees melder data (start page).
    path("rollen/<int:pk>/gezien/", views.role_grant_acknowledge, name="role_grant_acknowledge"),
    # The privacy officer (cases/privacy_views.py)
    path("privacy/", privacy_views.privacy_home, name="privacy_home"),
    path(
        "privacy/meldingen/<str:reference>/",
        privacy_views.privacy_case_views,
        name="privacy_case_views",
    ),
    path("privacy/gebeurtenissen/", privacy_views.privacy_events, name="privacy_events"),
    path(
        "privacy/gebeurtenissen/export/",
        privacy_views.privacy_events_export,
        name="privacy_events_export",
    ),
    path("privacy/inzageverzoek/", privacy_views.access_request, name="access_request"),
    # Confirmation letters (cases/letter_views.py)
    path(
        "meldingen/<str:reference>/brief/concept/",
        letter_views.letter_preview,
        name="letter_preview",
    ),
    path(
        "meldingen/<str:reference>/brieven/<int:number>/",
        letter_views.letter_download,
        name="letter_download",
    ),
    # Bulk work on letters: print batches and regeneration (cases/batch_views.py)
    path("brieven/", batch_views.letter_batches, name="letter_batches"),
    path("brieven/nieuw/", batch_views.letter_batch_create, name="letter_batch_create"),
    path("brieven/batches/<int:pk>/", batch_views.letter_batch_detail, name="letter_batch_detail"),
    path(
        "brieven/batches/<int:pk>/voortgang/",
        batch_views.letter_batch_progress,
        name="letter_batch_progress",
    ),
    path("brieven/batches/<int:pk>/pdf/", batch_views.letter_batch_pdf, name="letter_batch_pdf"),
    path(
        "brieven/batches/<int:pk>/verzonden/",
        batch_views.letter_batch_mark_sent,
        name="letter_batch_mark_sent",
    ),
    path(
        "brieven/batches/<int:pk>/hervatten/",
        batch_views.letter_batch_resume,
        name="letter_batch_resume",
    ),
]
