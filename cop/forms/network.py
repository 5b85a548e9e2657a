"""Forms of constellations and the network page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cop.enums import Stage
from cop.forms.core import TextAreaField
from cop.selectors.network import NETWORK_SORTS
from cop.services.constellations import MESSAGE_MAX


class RelationRequestForm(forms.Form):
    """Ask a community to become related: chosen among those the coordinator can see."""

    community = forms.ModelChoiceField(
        label=_("Community"), queryset=None, empty_label=_("Choose a community")
    )
    message = TextAreaField(
        label=_("Message to its coordinators"),
        required=False,
        max_length=MESSAGE_MAX,
        help_text=_("Why relate: the domain you share, what you could learn from each other."),
        rows=3,
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = candidates


class NetworkFilterForm(forms.Form):
    """The network page's filters: all optional, anything unknown is ignored."""

    q = forms.CharField(label=_("Name or domain"), required=False, max_length=100)
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("Any stage")), *Stage.choices]
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=list(
            zip(
                NETWORK_SORTS,
                [_("Name"), _("Stage"), _("Members"), _("Active members"), _("Newest")],
                strict=True,
            )
        ),
    )
