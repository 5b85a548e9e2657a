"""Every service that takes a row lock has a PostgreSQL test that calls it in autocommit.

`select_for_update` outside a transaction raises on PostgreSQL only, and a test inside
Django's test transaction never sees it. So each locking service is called, the way a
view calls it, by a `postgres`-marked `transaction=True` test. This guard reads the
service modules and fails when a function that locks (directly, through a `_lock*`
helper, or through another locking service) is missing from COVERED: a new locking
service cannot land without its test.
"""

import ast
import importlib
import importlib.util
import inspect
import pkgutil
from pathlib import Path

SERVICE_PACKAGES = (
    "cop.services",
    "knowledge.services",
    "meetings.services",
    "meetings.guests",
    "meetings.polls",
    "meetings.feedback",
    "mentoring.services",
    "care.services",
)
TESTS = Path(__file__).parent

# Each PostgreSQL test module and the locking services (module.function) it calls.
COVERED = {
    "cop/test_locking_services_postgres.py": [
        "cop.services.communities.accept_invitation",
        "cop.services.communities.approve_request",
        "cop.services.communities.decline_request",
        "cop.services.communities.join_community",
        "cop.services.communities.leave_community",
        "cop.services.communities.remove_member",
        "cop.services.communities.set_role",
        "cop.services.communities.undo_removal",
        "cop.services.notifications.retry_email_deliveries",
    ],
    "cop/test_constellations_postgres.py": [
        "cop.services.constellations.accept_relation",
        "cop.services.constellations.decline_relation",
        "cop.services.constellations.end_relation",
    ],
    "knowledge/test_locking_services_postgres.py": [
        "knowledge.services.common.restore",
        "knowledge.services.common.set_hidden",
        "knowledge.services.common.soft_delete",
        "knowledge.services.common.set_tags",
        "knowledge.services.entries.change_status",
        "knowledge.services.entries.edit_entry",
        "knowledge.services.entries.promote_problem",
        "knowledge.services.entries.revert_entry",
        "knowledge.services.entries.write_entry",
        "knowledge.services.problems.accept_solution",
        "knowledge.services.problems.ask_problem",
        "knowledge.services.problems.edit_problem",
        "knowledge.services.problems.unaccept_solution",
        "knowledge.services.stories.edit_story",
        "knowledge.services.stories.tell_story",
        "knowledge.services.validation.endorse_entry",
        "knowledge.services.validation.validate_as_expert",
    ],
    "meetings/test_locking_services_postgres.py": [
        "meetings.services.cancel_meeting",
        "meetings.services.confirm_series",
        "meetings.services.create_series",
        "meetings.services.end_series",
        "meetings.services.expand_series",
        "meetings.services.mark_attendance",
        "meetings.services.move_agenda_item",
        "meetings.services.revoke_feed_token",
        "meetings.services.rsvp",
        "meetings.services.tend_series",
        "meetings.services.update_meeting",
        "meetings.services.write_notes",
    ],
    "meetings/test_following_postgres.py": [
        "meetings.services.edit_meeting",
        "meetings.services.update_following",
    ],
    "meetings/test_locking_outside_postgres.py": [
        "meetings.feedback.give_feedback",
        "meetings.guests.join_from_guest",
        "meetings.guests.withdraw_guest",
        "meetings.polls.announce_poll",
        "meetings.polls.announce_poll_batch",
        "meetings.polls.close_poll",
        "meetings.polls.resume_poll_announcements",
        "meetings.polls.schedule_from_poll",
        "meetings.services.drop_rsvp",
    ],
    "meetings/test_counters_postgres.py": ["meetings.services.forget_person"],
    "meetings/test_guests_postgres.py": [
        "meetings.guests.invite_guest",
        "meetings.polls.vote",
    ],
    "care/test_locking_postgres.py": [
        "care.services.conduct.accept_conduct",
        "care.services.conduct.update_conduct",
        "care.services.moderation.moderate",
    ],
    "care/test_concurrency.py": [
        "care.services.moderation.flag_content",
    ],
    "cop/test_coordinator_tools_postgres.py": [
        "cop.services.invitations_bulk.invite_many",
        "cop.services.outreach.send_personal_note",
    ],
    "cop/test_announcements_live.py": [
        "cop.services.announcements.deliver_announcement_batch",
    ],
    "knowledge/test_similar_pages.py": [
        "knowledge.services.problems.merge_problem",
    ],
    "mentoring/test_locking_services_postgres.py": [
        "mentoring.services.requests.accept_request",
        "mentoring.services.onboarding.add_onboarding_step",
        "mentoring.services.requests.assign_mentor",
        "mentoring.services.mentorships.complete_mentorship",
        "mentoring.services.requests.decline_request",
        "mentoring.services.onboarding.ensure_onboarding_steps",
        "mentoring.services.mentorships.extend_mentorship",
        "mentoring.services.requests.hand_off_request",
        "mentoring.services.requests.hand_off_stale_requests",
        "mentoring.services.mentorships.leave_feedback",
        "mentoring.services.mentorships.log_checkin",
        "mentoring.services.onboarding.move_onboarding_step",
        "mentoring.services.mentorships.pause_mentorship",
        "mentoring.services.mentorships.resume_mentorship",
        "mentoring.services.onboarding.sync_onboarding",
        "mentoring.services.mentorships.update_agreement",
        "mentoring.services.requests.withdraw_request",
    ],
}


def _service_modules():
    for name in SERVICE_PACKAGES:
        package = importlib.import_module(name)
        yield package
        for info in pkgutil.iter_modules(getattr(package, "__path__", [])):
            yield importlib.import_module(f"{name}.{info.name}")


def _calls_by_function() -> dict[tuple[str, str], set]:
    """(module, function) -> what it calls: "LOCK" for select_for_update, else the
    (module, function) of each service-module function it calls by name."""
    calls: dict[tuple[str, str], set] = {}
    for module in _service_modules():
        try:
            tree = ast.parse(inspect.getsource(module))
        except OSError:  # an empty package __init__
            continue
        local = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        imported = {}
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                source = node.module or ""
                if node.level:
                    relative = "." * node.level + source
                    source = importlib.util.resolve_name(relative, module.__package__)
                for alias in node.names:
                    imported[alias.asname or alias.name] = (source, alias.name)
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            called = calls.setdefault((module.__name__, function.name), set())
            for call in ast.walk(function):
                if not isinstance(call, ast.Call):
                    continue
                target = call.func
                if isinstance(target, ast.Attribute) and target.attr == "select_for_update":
                    called.add("LOCK")
                elif isinstance(target, ast.Name) and target.id in local:
                    called.add((module.__name__, target.id))
                elif isinstance(target, ast.Name) and target.id in imported:
                    called.add(imported[target.id])
                elif (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in imported
                ):
                    source, name = imported[target.value.id]
                    called.add((f"{source}.{name}", target.attr))
    return calls


def locking_functions() -> set[tuple[str, str]]:
    calls = _calls_by_function()
    locking = {key for key, called in calls.items() if "LOCK" in called}
    while more := {key for key, called in calls.items() if key not in locking and called & locking}:
        locking |= more
    return locking


def test_every_locking_service_has_a_postgres_test_in_autocommit():
    public = {f"{module}.{name}" for module, name in locking_functions() if name[0] != "_"}
    covered = {name for names in COVERED.values() for name in names}
    assert public - covered == set(), "locking services without a PostgreSQL test"
    assert covered - public == set(), "COVERED names services that no longer lock"


def test_the_scan_sees_the_lock_helpers():
    locking = locking_functions()
    assert {
        ("cop.services.communities", "_lock_coordinators"),
        ("meetings.services", "_lock"),
        ("mentoring.services.mentorships", "_lock_mentorship"),
        ("knowledge.services.stories", "tell_story"),  # through set_tags, another module
    } <= locking


def test_each_covered_service_is_called_by_its_postgres_test_module():
    for path, names in COVERED.items():
        source = (TESTS / path).read_text()
        assert "pytest.mark.postgres" in source and "transaction=True" in source, path
        missing = {name for name in names if f"{name.rsplit('.', 1)[1]}(" not in source}
        assert missing == set(), f"{path} never calls {sorted(missing)}"
