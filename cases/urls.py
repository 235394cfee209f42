from django.contrib.auth import views as auth_views
from django.urls import path

from cases import (
    case_views,
    dashboard_views,
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
    path("zoeken/", views.search, name="search"),
    # The intake form's employer lookup: JSON with the establishments of a KvK number.
    path("werkgevers/", views.employer_lookup, name="employer_lookup"),
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
]
