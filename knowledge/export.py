"""Export a community's repertoire as a zip of Markdown files with YAML front matter and a
LICENSE file, readable without Copse."""

import io
import json
import zipfile
import zoneinfo

from django.utils import timezone
from django.utils.text import slugify

from cop.enums import License
from cop.models import Community

from . import selectors

LICENSE_URLS = {
    License.CC_BY_SA_4: "https://creativecommons.org/licenses/by-sa/4.0/legalcode",
    License.CC_BY_4: "https://creativecommons.org/licenses/by/4.0/legalcode",
    License.CC_BY_NC_SA_4: "https://creativecommons.org/licenses/by-nc-sa/4.0/legalcode",
    License.CC0: "https://creativecommons.org/publicdomain/zero/1.0/legalcode",
}


def _yaml_value(value) -> str:
    """A YAML scalar or flow list. JSON strings are valid YAML double-quoted scalars, so
    any user text (colons, quotes, newlines) round-trips safely."""
    if value is None:
        return "null"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_yaml_value(v) for v in value) + "]"
    if isinstance(value, bool | int):
        return json.dumps(value)
    return json.dumps(str(value), ensure_ascii=False)


def front_matter(fields: dict) -> str:
    lines = ["---"]
    lines += [f"{key}: {_yaml_value(value)}" for key, value in fields.items()]
    lines.append("---")
    return "\n".join(lines) + "\n\n"


def _name(user) -> str | None:
    return user.name if user is not None else None


def _file(folder: str, pk: int, title: str) -> str:
    return f"{folder}/{pk:05d}-{slugify(title)[:60] or 'untitled'}.md"


def license_text(community: Community) -> str:
    label = License(community.license).label if community.license in License.values else ""
    lines = [
        f"The shared repertoire of {community.name} is made available under:",
        "",
        f"{community.license}: {label}",
    ]
    if community.license in LICENSE_URLS:
        lines += ["", f"Full legal text: {LICENSE_URLS[community.license]}"]
    lines += [
        "",
        "Each file names its author(s). When you share or adapt it, credit them and the",
        f"community ({community.name}) as the license asks.",
    ]
    return "\n".join(lines) + "\n"


def export_filename(community: Community) -> str:
    return f"{community.slug}-repertoire-{timezone.now():%Y-%m-%d}.zip"


def _page(archive, community: Community, folder: str, item, meta: dict, body: str) -> None:
    """One item's file: front matter (its title, `meta`, the license), the title, `body`."""
    archive.writestr(
        _file(folder, item.pk, item.title),
        front_matter({"title": item.title, **meta, "license": community.license})
        + f"# {item.title}\n\n{body}",
    )


def export_zip(community: Community) -> bytes:
    """The zip's bytes: README.md, LICENSE, stories/, problems/, practices/, meetings/
    (the notes of meetings), glossary.md."""
    items = selectors.export_items(community)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("LICENSE", license_text(community))
        archive.writestr(
            "README.md",
            front_matter(
                {
                    "community": community.name,
                    "license": community.license,
                    "exported_at": timezone.now().isoformat(),
                }
            )
            + f"# {community.name}: shared repertoire\n\n{community.domain}\n\n"
            "Folders: `stories/`, `problems/`, `practices/`, `meetings/` (their notes); "
            "terms in `glossary.md`.\n",
        )
        for story in items["stories"]:
            sections = [
                ("Situation", story.situation), ("Action", story.action),
                ("Outcome", story.outcome), ("Lesson", story.lesson),
            ]  # fmt: skip
            body = "".join(f"## {head}\n\n{text.strip()}\n\n" for head, text in sections if text)
            _page(
                archive,
                community,
                "stories",
                story,
                {
                    "type": "story",
                    "author": _name(story.author),
                    "date": story.created_at.date().isoformat(),
                    "tags": [tag.name for tag in story.tags.all()],
                },
                body,
            )
        for problem in items["problems"]:
            body = f"## Context\n\n{problem.context.strip()}\n\n"
            if problem.tried:
                body += f"## What was tried\n\n{problem.tried.strip()}\n\n"
            for reply in problem.replies.all():
                mark = " (accepted solution)" if reply.is_solution else ""
                body += f"## Reply from {_name(reply.author) or 'a former member'}{mark}\n\n"
                body += f"{reply.body.strip()}\n\n"
            _page(
                archive,
                community,
                "problems",
                problem,
                {
                    "type": "problem",
                    "status": problem.status,
                    "author": _name(problem.author),
                    "date": problem.created_at.date().isoformat(),
                    "tags": [tag.name for tag in problem.tags.all()],
                },
                body,
            )
        for entry in items["entries"]:
            _page(
                archive,
                community,
                "practices",
                entry,
                {
                    "type": entry.kind,
                    "status": entry.status,
                    "author": _name(entry.author),
                    "owner": _name(entry.owner),
                    "updated": entry.updated_at.date().isoformat(),
                    "review_date": entry.review_date.isoformat() if entry.review_date else None,
                    "tags": [tag.name for tag in entry.tags.all()],
                },
                f"{entry.body.strip()}\n",
            )
        for meeting in items["notes"]:
            local = meeting.starts_at.astimezone(zoneinfo.ZoneInfo(meeting.timezone))
            _page(
                archive,
                community,
                "meetings",
                meeting,
                {
                    "type": "meeting notes",
                    "date": local.date().isoformat(),
                    "time_zone": meeting.timezone,
                },
                f"{meeting.notes.strip()}\n",
            )
        glossary = [f"# Glossary of {community.name}\n"]
        for term in items["terms"]:
            glossary.append(f"\n## {term.term}\n\n{term.definition.strip()}\n")
            if term.synonym_list:
                glossary.append(f"\nAlso: {', '.join(term.synonym_list)}\n")
            if term.examples:
                glossary.append(f"\nExamples:\n\n{term.examples.strip()}\n")
        archive.writestr(
            "glossary.md",
            front_matter({"title": f"Glossary of {community.name}", "license": community.license})
            + "".join(glossary),
        )
    return buffer.getvalue()
