from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Working-from-home cases – administration")
admin.site.site_title = _("Working-from-home cases")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("beheer/", admin.site.urls),
    path("api/", include("api.urls")),
    path("", include("cases.urls")),
]
