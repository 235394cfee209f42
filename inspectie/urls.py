from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Thuiswerkmeldingen – beheer"
admin.site.site_title = "Thuiswerkmeldingen"
admin.site.index_title = "Beheer"

urlpatterns = [
    path("beheer/", admin.site.urls),
    path("", include("cases.urls")),
]
