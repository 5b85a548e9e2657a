"""Choices of the knowledge app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SOLVED = "solved", _("Solved")


class EntryKind(models.TextChoices):
    HOW_TO = "how_to", _("How-to")
    LESSON = "lesson", _("Lesson learned")
    TOOL = "tool", _("Tool")
    CASE_STUDY = "case_study", _("Case study")


class EntryStatus(models.TextChoices):
    """The KCS article states."""

    DRAFT = "draft", _("Draft")
    NOT_VALIDATED = "not_validated", _("Published, awaiting validation")
    VALIDATED = "validated", _("Validated")
    ARCHIVED = "archived", _("Archived")


# What every member of the community sees (a draft only its author and the coordinators).
PUBLIC_ENTRY_STATUSES = (EntryStatus.NOT_VALIDATED, EntryStatus.VALIDATED, EntryStatus.ARCHIVED)


class NoteKind(models.TextChoices):
    DISSENT = "dissent", _("Dissenting view")
    ALTERNATIVE = "alternative", _("Alternative approach")
    # Written by Copse when a substantial rewrite sends a validated practice back to
    # validation; members write the two kinds above.
    REVALIDATION = "revalidation", _("Validation reset")


MEMBER_NOTE_KINDS = (NoteKind.DISSENT, NoteKind.ALTERNATIVE)


class TermStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class SearchKind(models.TextChoices):
    """What a search result is."""

    STORY = "story", _("Story")
    PROBLEM = "problem", _("Problem")
    REPLY = "reply", _("Reply")
    ENTRY = "entry", _("Practice")
    TERM = "term", _("Glossary term")
    NOTES = "notes", _("Meeting notes")
