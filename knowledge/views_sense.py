"""The newcomer's learning path: /c/<slug>/knowledge/path/ (pick topics, read the list)
and /c/<slug>/knowledge/path/open/<kind>/<id>/ (tick an item, then go to it)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cop.forms.core import IdsField
from cop.models import Tag
from cop.permissions import authorize, authorizes
from cop.rules import membership_of
from cop.selectors.communities import access_community

from . import learning


class PathTopicsForm(forms.Form):
    topics = IdsField(
        queryset=Tag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Topics you want to learn about"),
        help_text=gettext_lazy("Up to five."),
    )

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = Tag.objects.filter(community=community).order_by("name")

    def clean_topics(self):
        topics = self.cleaned_data["topics"]
        if len(topics) > learning.MAX_TOPICS:
            raise ValidationError(_("Pick at most %(n)d topics.") % {"n": learning.MAX_TOPICS})
        return topics


@login_required
@require_http_methods(["GET", "POST"])
@authorizes("knowledge.follow_learning_path")
def learning_path_page(request: HttpRequest, slug: str) -> HttpResponse:
    community = access_community(request.user, slug)
    authorize(request.user, "knowledge.follow_learning_path", community)
    if request.method == "POST":
        form = PathTopicsForm(request.POST, community=community)
        if form.is_valid():
            try:
                learning.choose_path_topics(
                    user=request.user, community=community, topics=form.cleaned_data["topics"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Your learning path follows these topics."))
                return redirect("knowledge:learning_path", slug=community.slug)
    view = learning.learning_path(request.user, community)
    if request.method != "POST":
        form = PathTopicsForm(community=community, initial={"topics": view.topics})
    return render(
        request,
        "knowledge/learning_path.html",
        {
            "community": community,
            "membership": membership_of(request.user, community),
            "path": view,
            "items": [(item, item.open_url(community)) for item in view.items],
            "form": form,
            "has_topics": form.fields["topics"].queryset.exists(),
        },
    )


@login_required
@authorizes("knowledge.follow_learning_path")
def learning_open(request: HttpRequest, slug: str, kind: str, pk: int) -> HttpResponse:
    """Tick an item of the path, then show it. A GET (a link) that only records a read of
    something the member may see: opening it twice records it once."""
    community = access_community(request.user, slug)
    authorize(request.user, "knowledge.follow_learning_path", community)
    item = learning.path_item(community, kind, pk)
    learning.record_path_read(user=request.user, community=community, kind=kind, item=item)
    return redirect(item.get_absolute_url())
