"""One-line text: what every single-line field and every email subject goes through.

A title, name or place is one line. Carriage returns, line feeds and the other control
characters (C0, DEL, C1, and the Unicode line and paragraph separators) in one are
turned into a space: they made titles that broke email headers (BadHeaderError) and
rows that display oddly everywhere. Multi-line fields (Markdown bodies) keep their lines.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
SUBJECT_MAX_LENGTH = 200
# The longest address a mailbox can have (RFC 5321 path limit) and the users' column.
EMAIL_MAX_LENGTH = 254


def single_line(value: str) -> str:
    """The text with each run of control characters replaced by one space, trimmed."""
    if not isinstance(value, str) or not CONTROL_CHARACTERS.search(value):
        return value
    return CONTROL_CHARACTERS.sub(" ", value).strip()


def validate_single_line(value: str) -> None:
    """A validator that refuses control characters (for input that must not be changed,
    such as an identifier)."""
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValidationError(
            _("Line breaks and control characters are not allowed here."), code="control"
        )


def email_subject(text: str) -> str:
    """A subject that is always a valid header: one line, of a readable length."""
    subject = single_line(str(text))
    if len(subject) > SUBJECT_MAX_LENGTH:
        subject = subject[: SUBJECT_MAX_LENGTH - 1].rstrip() + "…"
    return subject


def clean_single_line_fields(sender, instance, **kwargs) -> None:
    """pre_save: every CharField (single-line by definition here; multi-line text is a
    TextField) of the project's models is saved as one line, whichever way it came in:
    page, API, service, admin or shell."""
    for field in sender._meta.concrete_fields:
        if field.get_internal_type() in ("CharField", "SlugField", "EmailField", "URLField"):
            value = getattr(instance, field.attname)
            cleaned = single_line(value)
            if cleaned is not value:
                setattr(instance, field.attname, cleaned)


# Scripts that look alike letter for letter: a domain label mixing them (a Cyrillic "а"
# among Latin letters) is how a homograph imitates another domain.
_CONFUSABLE_SCRIPTS = {"LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC"}


def _scripts(label: str) -> set[str]:
    scripts = set()
    for char in label:
        if unicodedata.category(char).startswith("L"):
            scripts.add(unicodedata.name(char, "UNKNOWN").split()[0])
    return scripts


def normalise_email_domain(email: str) -> str:
    """The address with its domain lower-cased and, when it is international, in its
    ASCII form (IDNA, `xn--...`), so a look-alike domain reads as what it is. A domain
    label that mixes look-alike scripts (Latin with Cyrillic, Greek...) is refused."""
    local, sep, domain = email.rpartition("@")
    if not sep:
        return email
    domain = unicodedata.normalize("NFKC", domain).lower().rstrip(".")
    if domain.isascii():
        return f"{local}@{domain}"
    for label in domain.split("."):
        if len(_scripts(label) & _CONFUSABLE_SCRIPTS) > 1:
            raise ValidationError(
                _("This email domain mixes alphabets that look alike: %(label)s")
                % {"label": label},
                code="mixed_script",
            )
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValidationError(_("This email domain is not valid."), code="idna") from exc
    return f"{local}@{ascii_domain}"
