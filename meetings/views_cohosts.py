"""The page where a meeting's hosts choose the related communities that co-host it."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from cop.models import Community
from cop.permissions import authorizes
from cop.rules import membership_of

from . import cohosts
from .views import managed_meeting


class CohostForm(forms.Form):
    communities = forms.ModelMultipleChoiceField(
        label=_lazy("Co-hosting communities"),
        queryset=Community.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_lazy(
            "The meeting shows in their meeting lists and calendars too, and their members "
            "can answer and attend."
        ),
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communities"].queryset = Community.objects.filter(
            pk__in=[c.pk for c in choices]
        ).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
@authorizes("meetings.manage_cohosts")
def meeting_cohosts(request: HttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    meeting = managed_meeting(request, slug, meeting_id, "meetings.manage_cohosts")
    current = cohosts.cohosts_of(meeting)
    form = CohostForm(
        request.POST or None,
        choices=cohosts.cohost_choices(meeting),
        initial={"communities": [c.pk for c in current]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            cohosts.set_cohosts(
                meeting=meeting, communities=list(form.cleaned_data["communities"]), by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Co-hosting communities saved."))
            return redirect(meeting.get_absolute_url())
    return render(
        request,
        "meetings/cohosts.html",
        {
            "community": meeting.community,
            "membership": membership_of(request.user, meeting.community),
            "meeting": meeting,
            "form": form,
            "current": current,
        },
    )
