from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("worklist/<slug:key>/", views.WorklistView.as_view(), name="worklist"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("dashboard/export.csv", views.ExportCsvView.as_view(), name="export"),
]
