from django.shortcuts import render


def home(request):
    organisation = None
    user = request.user
    if user.is_authenticated:
        if user.is_municipal_staff:
            organisation = str(user.local_government)
        elif user.is_liaison:
            organisation = "、".join(office.name for office in user.offices.all())
        elif user.is_secretariat:
            organisation = "事務局"
    return render(request, "frontend/home.html", {"organisation": organisation})
