from django.urls import path

from . import deputy, follow, groups, views

app_name = "recall"

urlpatterns = [
    path("", views.home, name="home"),
    path("petitions/", views.browse, name="browse"),
    path("petitions/<id:pk>/", views.petition_detail, name="petition"),
    path("petitions/<id:pk>/certified-summary.pdf", views.certified_summary, name="certified_summary"),
    path("petitions/<id:pk>/sign/", views.sign, name="sign"),
    path("petitions/<id:pk>/verify/", views.verify_guide, name="verify"),
    path("petitions/<id:pk>/card.png", views.petition_card, name="card"),
    path("petitions/<id:pk>/follow/", follow.start, name="follow"),
    path("petitions/<id:pk>/follow/sent/", follow.sent, name="follow_sent"),
    path("follow/<slug:token>/", follow.confirm, name="follow_confirm"),
    path("follow/<slug:token>/stop/", follow.stop, name="follow_stop"),
    path("petitions/<id:pk>/sign/eds/", views.sign_eds, name="sign_eds"),
    path("eds/<slug:challenge>/", views.eds_page, name="eds"),
    path("petitions/<id:pk>/sign/mobile/", views.sign_mobile, name="sign_mobile"),
    path("mobile/<slug:challenge>/", views.mobile_page, name="mobile"),
    path("confirm/<slug:token>/", views.confirm, name="confirm"),
    path("receipt/", views.receipt, name="receipt"),
    path("check/", views.check, name="check"),
    path("withdraw/", views.withdraw, name="withdraw"),
    path("withdrawn/", views.withdrawn, name="withdrawn"),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/view/", views.my_data_view, name="my_data_view"),
    # The initiative group (recall.web.groups).
    path("group/", groups.dashboard, name="group_dashboard"),
    path("group/apply/", groups.apply, name="group_apply"),
    path("group/enter/", groups.enter, name="group_enter"),
    path("group/code/<slug:token>/", groups.code, name="group_code"),
    path("group/join/<slug:token>/", groups.join, name="group_join"),
    path("group/invite/", groups.invite, name="group_invite"),
    path("group/submit/", groups.submit, name="group_submit"),
    path("group/sheets/", groups.issue_sheets, name="group_sheets"),
    path("group/sheets/<int:batch>/<str:language>.pdf", groups.sheets_pdf, name="group_sheets_pdf"),
    path("group/leave/", groups.leave, name="group_leave"),
    path("group/seed/<str:action>/", groups.seed, name="group_seed"),
    # The deputy's workspace (recall.web.deputy).
    path("deputy/", deputy.home, name="deputy_home"),
    path("deputy/login/", deputy.sign_in, name="deputy_login"),
    path("deputy/logout/", deputy.sign_out, name="deputy_logout"),
    path("deputy/two-factor/", deputy.two_factor_setup, name="deputy_two_factor"),
    path("deputy/password/<str:uid>/<str:token>/", deputy.password, name="deputy_password"),
    path("deputy/petitions/<id:pk>/", deputy.answer, name="deputy_answer"),
    path("districts/<str:code>/", views.district, name="district"),
]
