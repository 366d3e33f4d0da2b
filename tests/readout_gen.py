"""A seeded generator of made-up readouts for the fault, robustness and fuzz tests.

Every person is invented (names put together from syllables); the parties are
real ones from ``ontology/vocab/parties.tsv`` that the bundled sample already
names; the events are invented. Nothing here comes from the development corpus.

Example:
    >>> texts = generate(3, seed=1)
    >>> len(texts), sorted(texts)[0]
    (3, 'gen-0000')
    >>> generate(3, seed=1) == texts
    True
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

SYLLABLES = ("ka", "lo", "mi", "ren", "sa", "vo", "tel", "dun", "bra", "ni", "os", "ter", "ul", "ja", "pe")
HOSTS = (
    ("International Department of the CPC Central Committee", ("Vice-minister", "Minister", "Assistant Minister")),
)
PARTIES = (
    "Workers' Party of Brazil",
    "Communist Party of Vietnam",
    "Social Democratic Party of Germany",
    "African National Congress",
    "Communist Party of Cuba",
    "Lao People's Revolutionary Party",
    "Sandinista National Liberation Front",
)
GUEST_TITLES = ("President", "General Secretary", "Vice President", "Secretary for International Relations")
CUES = (
    ("met here today with", "Meets with"),
    ("held talks here today with", "Holds Talks with"),
    ("held a video call today with", "Holds Video Call with"),
    ("held a phone call today with", "Holds Phone Call with"),
)
CITIES = ("Beijing", "Kunming", "Shanghai", "Chengdu")
FILLER = (
    "Both sides agreed to deepen exchanges of experience in party building and state governance.",
    "The two parties will strengthen cooperation in poverty reduction and green development.",
    "They exchanged views on the international situation and on climate change.",
    "The guest thanked the hosts for their warm reception and hoped for more exchanges of young cadres.",
)


def person(rng: random.Random) -> str:
    """A made-up two-word name, e.g. 'Kalo Vodun'."""
    def word() -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    return f"{word()} {word()}"


def readout(rng: random.Random) -> str:
    """One made-up IDCPC-style readout: title, date line, dateline, body."""
    day = date(2015, 1, 1) + timedelta(days=rng.randrange(3600))
    host_org, host_titles = rng.choice(HOSTS)
    host, guest = person(rng), person(rng)
    party, title = rng.choice(PARTIES), rng.choice(GUEST_TITLES)
    cue, headline = rng.choice(CUES)
    held = day - timedelta(days=rng.randint(0, 2))
    month = held.strftime("%B")
    body = (f"{rng.choice(CITIES)}, {month} {held.day}th\u2014{host}, {rng.choice(host_titles)} of the "
            f"{host_org}, {cue} {guest}, {title} of the {party}.")
    extra = " ".join(rng.sample(FILLER, rng.randint(1, 3)))
    return (f"{host.split()[0]} {headline} {guest.split()[1]}\n ( {day:%Y.%m.%d} )\n\n{body}\n\n{extra}\n")


def generate(n: int, *, seed: int = 0) -> dict[str, str]:
    """``n`` made-up readouts, id -> text; the same seed gives the same texts."""
    rng = random.Random(seed)
    return {f"gen-{i:04d}": readout(rng) for i in range(n)}


def write(folder: Path, n: int, *, seed: int = 0) -> list[Path]:
    """Write :func:`generate` into ``folder`` as ``<id>.txt`` files; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for rid, text in generate(n, seed=seed).items():
        path = folder / f"{rid}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
