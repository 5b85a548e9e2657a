"""Quality of "similar before you post", on the labelled pairs in eval/similar_pairs.csv.

    make eval                                  # on SQLite (the embedded default)
    DATABASE_URL=postgres://… make eval        # on PostgreSQL (a throwaway test database)

The set: 105 groups in seven domains (software, data, teaching, health, gardening,
community organising, makers). Each group has an original problem as a member would
title it, the reply a member gave to it (eval/similar_answers.csv), and three other
titles, each making one labelled pair with the original: the same question asked again
in other words (duplicate), another question of the same area (related), and a question
of the same community about something else (unrelated). Three parts of 105 pairs:

- tune (groups 1-70, every other one): the weights and the threshold in
  knowledge/similarity.py were chosen looking at this part only;
- held (groups 1-70, the others): held back at first, then looked at once the figures
  of an earlier round were known, so no longer clean;
- fresh (groups 71-105): written afterwards, before the method's last round, and never
  used for tuning. Its duplicates are reworded further than the older parts' (only a
  third share a content word with their original, against nearly all before), so the
  figures split the duplicates by that.

The corpus posted into one community: the 105 originals, each with its reply (accepted
on every other one) and the 105 related titles, so a duplicate competes with its own
near neighbour. Then each query title is asked the way the problem form asks
(`similarity.similar`, five at most):

- precision@1 / precision@3: the share of duplicate queries whose original is the first
  suggestion / among the first three. With one known duplicate per query this is the
  usual success@k of duplicate detection; strict precision@3 (relevant suggestions among
  those shown in the first three, the group's related title counting as relevant) is
  printed beside it.
- recall: the share of duplicate (and, separately, related) pairs whose original is
  suggested at all.
- false alarms: the share of unrelated pairs whose original is suggested; unrelated with
  any suggestion: the share of unrelated queries shown anything at all.
- duplicates sharing a word: the share of duplicate queries with a content word (after
  stemming and the synonym table) in common with their original's title, and
  precision@3 for those and for the others.

Last run (SQLite, with the meaning model; its floor, weight and threshold margin chosen
on the tune part only): precision@3 1.00 / 0.91 / 0.46 (tune / held / fresh), before it
1.00 / 0.77 / 0.23. The 0.8 target is not met on the fresh part; README.md has every
figure.
"""

import csv
import os
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ROOT / "eval" / "similar_pairs.csv"
ANSWERS = ROOT / "eval" / "similar_answers.csv"
SPLITS = ("tune", "held", "fresh")


def load_pairs() -> list[dict]:
    with PAIRS.open(newline="") as handle:
        return list(csv.DictReader(handle))


def load_answers() -> dict[str, str]:
    with ANSWERS.open(newline="") as handle:
        return {row["group"]: row["answer"] for row in csv.DictReader(handle)}


def evaluate(pairs: list[dict], answers: dict[str, str]) -> dict[str, dict]:
    """Post the corpus, ask every query, return the figures per split."""
    return measure(pairs, *post_corpus(pairs, answers))


def post_corpus(pairs: list[dict], answers: dict[str, str]):
    """The evaluation community: every original with its reply, every related title.
    Returns the viewer and the problems' ids by group (originals, related ones)."""
    from cop.enums import Role
    from cop.models import Community, Membership, User
    from knowledge.services import problems
    from knowledge.services.meanings import embed_all_titles

    community = Community.objects.create(name="Evaluation", slug="evaluation")
    users = []
    for n in range(3):
        user = User.objects.create_user(email=f"eval{n}@example.org", password=None)
        Membership.objects.create(
            community=community, user=user, role=Role.COORDINATOR if n == 0 else Role.MEMBER
        )
        users.append(user)
    asker, answerer, viewer = users
    originals, related_ids = {}, {}
    for pair in pairs:
        group = pair["group"]
        if group not in originals:
            problem = problems.ask_problem(
                community=community, author=asker, title=pair["target"], context="…"
            )
            reply = problems.post_reply(problem=problem, author=answerer, body=answers[group])
            if int(group) % 2 == 0:
                problems.accept_solution(reply=reply, by=asker)
            originals[group] = problem.pk
        if pair["label"] == "related":
            problem = problems.ask_problem(
                community=community, author=asker, title=pair["query"], context="…"
            )
            related_ids[group] = problem.pk
    embed_all_titles()  # what the after-commit task does, for a run with a real broker
    return viewer, originals, related_ids


def measure(pairs: list[dict], viewer, originals: dict, related_ids: dict) -> dict[str, dict]:
    """Ask every query of `pairs` as `viewer`; the figures per split."""
    from knowledge.similarity import similar, terms

    counts = defaultdict(lambda: defaultdict(float))
    for pair in pairs:
        group, label, split = pair["group"], pair["label"], pair["split"]
        own = related_ids.get(group) if label == "related" else None
        shown = [s.object_id for s in similar(viewer, title=pair["query"], exclude_problem=own)]
        target = originals[group]
        c = counts[split]
        c[f"{label}_n"] += 1
        c[f"{label}_found"] += target in shown
        if label == "duplicate":
            c["dup_at1"] += shown[:1] == [target]
            c["dup_at3"] += target in shown[:3]
            overlap = "shared" if set(terms(pair["query"])) & set(terms(pair["target"])) else "none"
            c[f"dup_{overlap}_n"] += 1
            c[f"dup_{overlap}_at3"] += target in shown[:3]
            relevant = {target, related_ids.get(group)}
            c["strict_relevant"] += sum(1 for pk in shown[:3] if pk in relevant)
            c["strict_shown"] += len(shown[:3])
        if label == "unrelated":
            c["unrelated_any"] += bool(shown)
    figures = {}
    for split, c in counts.items():
        figures[split] = {
            "pairs": int(c["duplicate_n"] + c["related_n"] + c["unrelated_n"]),
            "precision@1": c["dup_at1"] / c["duplicate_n"],
            "precision@3": c["dup_at3"] / c["duplicate_n"],
            "strict precision@3": c["strict_relevant"] / max(c["strict_shown"], 1),
            "duplicates sharing a word": c["dup_shared_n"] / c["duplicate_n"],
            "  their precision@3": c["dup_shared_at3"] / max(c["dup_shared_n"], 1),
            "  precision@3 of the others": c["dup_none_at3"] / max(c["dup_none_n"], 1),
            "recall (duplicates)": c["duplicate_found"] / c["duplicate_n"],
            "recall (related)": c["related_found"] / c["related_n"],
            "false alarms (unrelated)": c["unrelated_found"] / c["unrelated_n"],
            "unrelated with any suggestion": c["unrelated_any"] / c["unrelated_n"],
        }
    return figures


def report(figures: dict[str, dict], vendor: str) -> None:
    splits = [s for s in SPLITS if s in figures]
    print(f"similar-problem detection on {vendor}, {PAIRS.relative_to(ROOT)}")
    print(f"{'':32}" + "".join(f"{s:>10}" for s in splits))
    for key in figures[splits[0]]:
        cells = "".join(
            f"{figures[s][key]:>10}" if key == "pairs" else f"{figures[s][key]:>10.2f}"
            for s in splits
        )
        print(f"{key:32}{cells}")


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    test_database = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        figures = evaluate(load_pairs(), load_answers())
        report(figures, f"{connection.vendor} ({test_database})")
    finally:
        connection.creation.destroy_test_db(test_database, verbosity=0)
    target = figures["fresh"]["precision@3"] >= 0.8 if "fresh" in figures else False
    print("target precision@3 >= 0.80 on the fresh held-back part:", "met" if target else "NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
