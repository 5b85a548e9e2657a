"""Forms of the knowledge app: input and validation only; the services write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cop.enums import MembershipStatus
from cop.forms.core import IdsField, TextAreaField
from cop.models import Community, User

from . import selectors
from .enums import MEMBER_NOTE_KINDS, EntryKind, EntryStatus, ProblemStatus, SearchKind, TermStatus
from .models import MARKDOWN_HELP

# Fields rendered as Markdown; the preview shows each of them.
MARKDOWN_FIELDS = (
    "situation", "action", "outcome", "lesson", "context", "tried", "body", "definition",
    "examples",
)  # fmt: skip
MARKDOWN_LABELS = {
    "situation": _("Situation"), "action": _("What you did"), "outcome": _("What happened"),
    "lesson": _("Lesson"), "context": _("Context"), "tried": _("What you tried"),
    "body": _("Text"), "definition": _("Definition"), "examples": _("Examples"),
}  # fmt: skip


def _markdown(label, *, required=True, rows=6, help_text=MARKDOWN_HELP, max_length=20000):
    return TextAreaField(
        label=label, required=required, max_length=max_length, help_text=help_text, rows=rows
    )


class _CommunityForm(forms.Form):
    """A form whose tag choices come from the community's vocabulary."""

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        if "tags" in self.fields:
            self.fields["tags"].queryset = community.tags.order_by("name")
            if not self.fields["tags"].queryset.exists():
                del self.fields["tags"]


def _tags_field():
    return IdsField(
        label=_("Topics"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class StoryForm(_CommunityForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    situation = _markdown(_("Situation"), help_text=_("Where were you, what was at stake?"))
    action = _markdown(_("What you did"), required=False)
    outcome = _markdown(_("What happened"), required=False)
    lesson = _markdown(_("Lesson"), required=False, help_text=_("What would you tell a peer?"))
    tags = _tags_field()
    problem = forms.ModelChoiceField(label=_("Related problem"), queryset=None, required=False)
    entry = forms.ModelChoiceField(label=_("Related practice"), queryset=None, required=False)
    meeting = forms.ModelChoiceField(label=_("Meeting it came from"), queryset=None, required=False)

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, community=community, **kwargs)
        self.fields["problem"].queryset = selectors.problem_choices(community)
        self.fields["entry"].queryset = selectors.entry_choices(community)
        self.fields["meeting"].queryset = selectors.meeting_choices(community)


class ProblemForm(_CommunityForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    context = _markdown(_("Context"), help_text=_("What are you trying to do, and where?"))
    tried = _markdown(
        _("What you tried"), required=False, help_text=_("So nobody suggests it again.")
    )
    tags = _tags_field()

    def __init__(self, *args, community: Community, similar_url: str = "", **kwargs):
        super().__init__(*args, community=community, **kwargs)
        if similar_url:
            # Suggestions of similar problems as the title is typed (HTMX, see
            # knowledge/_similar.html); without a script they come with the preview.
            self.fields["title"].widget.attrs.update(
                {
                    "hx-get": similar_url,
                    "hx-trigger": "input changed delay:300ms, change",
                    "hx-target": "#similar",
                    "hx-include": "[name='tags']",
                    "hx-sync": "this:replace",
                    "autocomplete": "off",
                    "aria-describedby": "similar",
                }
            )


class MergeForm(forms.Form):
    into = forms.IntegerField(
        label=_("Merge into problem number"),
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("The number in the original problem's address."),
    )


class ReplyForm(forms.Form):
    body = _markdown(_("Your reply"), rows=5)


class EntryForm(_CommunityForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=EntryKind.choices)
    body = _markdown(_("Body"), rows=14, max_length=50000)
    tags = _tags_field()
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=None,
        required=False,
        help_text=_("Who keeps it up to date. The author's name stays on it either way."),
    )
    review_date = forms.DateField(
        label=_("Review by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("When should someone check it is still right?"),
    )
    summary = forms.CharField(
        label=_("What changed"), max_length=200, required=False, help_text=_("For the history.")
    )

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, community=community, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(
            memberships__community=community, memberships__status=MembershipStatus.ACTIVE
        ).order_by("display_name", "email")
        self.fields["owner"].label_from_instance = lambda user: user.name


class NoteForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[(kind.value, kind.label) for kind in MEMBER_NOTE_KINDS]
    )
    body = _markdown(_("Your note"), rows=4, max_length=10000)


class ValidationForm(forms.Form):
    comment = TextAreaField(label=_("Comment"), max_length=2000, required=False, rows=2)


class TermForm(forms.Form):
    term = forms.CharField(label=_("Term"), max_length=80)
    definition = _markdown(_("Definition"), rows=3, max_length=5000)
    synonyms = forms.CharField(
        label=_("Synonyms"), max_length=300, required=False, help_text=_("Comma-separated.")
    )
    examples = _markdown(_("Examples"), required=False, rows=3, max_length=5000)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    community = forms.ChoiceField(label=_("Community"), required=False)
    tag = forms.SlugField(label=_("Topic"), required=False)

    def __init__(self, *args, communities, **kwargs):

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Everything")), *SearchKind.choices]
        statuses = {**dict(ProblemStatus.choices), **dict(EntryStatus.choices)}
        statuses.update(dict(TermStatus.choices))
        statuses["solution"] = _("Accepted solution")
        self.fields["status"].choices = [("", _("Any status")), *statuses.items()]
        self.fields["community"].choices = [
            ("", _("All my communities")),
            *[(c.slug, c.name) for c in communities],
        ]
