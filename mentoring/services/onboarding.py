"""The community's onboarding checklist and each member's progress through it.
Refusals raise ValidationError (see the package docstring).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cop.enums import ParticipationKind
from cop.models import Community, Membership, ParticipationEvent, User

from ..enums import AUTO_KIND_EVENTS, OnboardingSpecial, ProgressHow
from ..models import OnboardingProgress, OnboardingStep


def default_onboarding_steps() -> list[dict]:
    return [
        {
            "title": _("Complete your profile"),
            "description": _("Add a display name and a short bio so people know who you are."),
            "auto_kind": OnboardingSpecial.PROFILE_COMPLETED,
        },
        {
            "title": _("Introduce yourself"),
            "description": _("Say hello: what you work on and what brought you here."),
            "auto_kind": ParticipationKind.INTRODUCED_SELF,
        },
        {
            "title": _("RSVP to a meeting"),
            "description": _(
                "Pick a meeting and come along; listening is a fine way to start. "
                "Ticks itself once you say you will come."
            ),
            "auto_kind": ParticipationKind.RSVPED,
        },
        {
            "title": _("Read the starter practices"),
            "description": _("The validated practices are what this community has learned."),
            "auto_kind": "",
        },
        {
            "title": _("Ask or answer a problem"),
            "description": _("Bring something you are stuck on, or help with someone else's."),
            "auto_kind": OnboardingSpecial.ASKED_OR_ANSWERED,
        },
    ]


def ensure_onboarding_steps(*, community: Community) -> list[OnboardingStep]:
    """The community's current checklist; on first use, the default steps are created.

    A community whose coordinators removed every step keeps an empty checklist:
    removed steps are archived, so "first use" means "no step ever existed".
    """
    steps = list(OnboardingStep.objects.filter(community=community).order_by("position", "pk"))
    if not steps:
        with transaction.atomic():
            # The community row is the lock that keeps two first uses from both seeding.
            Community.objects.select_for_update().filter(pk=community.pk).first()
            if not OnboardingStep.objects.filter(community=community).exists():
                OnboardingStep.objects.bulk_create(
                    OnboardingStep(community=community, position=index, **fields)
                    for index, fields in enumerate(default_onboarding_steps(), start=1)
                )
        steps = list(OnboardingStep.objects.filter(community=community).order_by("position", "pk"))
    return [step for step in steps if not step.archived]


def add_onboarding_step(
    *, community: Community, title: str, description: str = "", auto_kind: str = ""
) -> OnboardingStep:
    """Add a step at the end of the checklist (coordinators; the caller checks)."""
    steps = ensure_onboarding_steps(community=community)
    step = OnboardingStep(
        community=community,
        title=title,
        description=description,
        auto_kind=auto_kind,
        position=max((s.position for s in steps), default=0) + 1,
    )
    step.full_clean()
    step.save()
    return step


def update_onboarding_step(
    *, step: OnboardingStep, title: str, description: str, auto_kind: str
) -> OnboardingStep:
    """Change a step's text or how it ticks (coordinators; the caller checks)."""
    step.title = title
    step.description = description
    step.auto_kind = auto_kind
    step.full_clean()
    step.save(update_fields=["title", "description", "auto_kind"])
    return step


def remove_onboarding_step(*, step: OnboardingStep) -> OnboardingStep:
    """Take a step off the checklist. It is archived, not deleted, so members' progress
    and the fact that the checklist was edited are kept."""
    step.archived = True
    step.save(update_fields=["archived"])
    return step


@transaction.atomic
def move_onboarding_step(*, step: OnboardingStep, up: bool) -> OnboardingStep:
    """Swap a step with its neighbour above (up) or below, renumbering the checklist."""
    steps = list(
        OnboardingStep.objects.select_for_update()
        .filter(community=step.community_id, archived=False)
        .order_by("position", "pk")
    )
    index = next((i for i, s in enumerate(steps) if s.pk == step.pk), None)
    if index is None:
        raise ValidationError(_("This step is no longer on the checklist."))
    other = index - 1 if up else index + 1
    if 0 <= other < len(steps):
        steps[index], steps[other] = steps[other], steps[index]
    for position, item in enumerate(steps, start=1):
        item.position = position
    OnboardingStep.objects.bulk_update(steps, ["position"])
    return next(s for s in steps if s.pk == step.pk)


def profile_completed(user: User) -> bool:
    return bool(user.display_name.strip() and user.bio.strip())


def sync_onboarding(*, membership: Membership, steps: list[OnboardingStep] | None = None):
    """Tick the steps whose `auto_kind` the member has done; return their progress by step id.

    Called when a page renders the checklist (at most four queries, whatever the number
    of steps): the steps, the member's progress, one lookup of the participation kinds
    the open automatic steps need, and one insert when something new ticked.
    Side effects: OnboardingProgress rows with how=auto.
    """
    if steps is None:
        steps = ensure_onboarding_steps(community=membership.community)
    done = {p.step_id: p for p in OnboardingProgress.objects.filter(membership=membership)}
    open_auto = [s for s in steps if s.auto_kind and s.pk not in done]
    if not open_auto:
        return done
    wanted = {kind for s in open_auto for kind in AUTO_KIND_EVENTS.get(s.auto_kind, ())}
    kinds_done: set[str] = set()
    if wanted:
        kinds_done = set(
            ParticipationEvent.objects.filter(membership=membership, kind__in=wanted)
            .values_list("kind", flat=True)
            .distinct()
        )
    new = []
    for step in open_auto:
        if step.auto_kind == OnboardingSpecial.PROFILE_COMPLETED:
            ticked = profile_completed(membership.user)
        else:
            ticked = bool(kinds_done.intersection(AUTO_KIND_EVENTS.get(step.auto_kind, ())))
        if ticked:
            new.append(OnboardingProgress(membership=membership, step=step, how=ProgressHow.AUTO))
    if new:
        OnboardingProgress.objects.bulk_create(new, ignore_conflicts=True)
        done.update({p.step_id: p for p in new})
    return done


def tick_onboarding_step(
    *, membership: Membership, step: OnboardingStep, done: bool = True
) -> OnboardingProgress | None:
    """Tick (or untick) a step by hand. Steps ticked from participation cannot be unticked."""
    if step.community_id != membership.community_id or step.archived:
        raise ValidationError(_("This step is not on your checklist."))
    if not membership.is_active:
        raise ValidationError(_("Only active members have an onboarding checklist."))
    if done:
        progress, _created = OnboardingProgress.objects.get_or_create(
            membership=membership, step=step, defaults={"how": ProgressHow.MANUAL}
        )
        return progress
    OnboardingProgress.objects.filter(
        membership=membership, step=step, how=ProgressHow.MANUAL
    ).delete()
    return None
