"""Synthetic, deterministic memories and questions for the latency and scale benchmarks.

Short first-person facts and chat messages ("I just got back from Lisbon with Maya, ...") over
many topics, names, places, foods and dates, spread round-robin over ``users`` users so that
every prefix of the list (10k of 100k) is spread evenly too. Each template comes with
paraphrase-like questions about the same fact ("Where did I go with Maya?"), so a query has a
known source memory: the benchmark reports hit@10 on it as a sanity check that both systems
search the same data under the same filter (a latency figure for a search that finds nothing
would mean nothing).

Nothing here comes from LOCOMO; the word lists are written for this file.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

GENERATOR_VERSION = 1


def _list(text: str, sep: str = "|") -> list[str]:
    return text.split(sep)


NAMES = _list(
    "Maya Alex Jordan Priya Tom Lena Omar Sofia Ben Chloe Diego Hana Ivan Julia Kofi Laura "
    "Marco Nina Oscar Paula Quinn Rosa Sam Tara Umar Vera Will Yara Zoe Aiden Bianca Caleb "
    "Dana Elif Felix Greta Hugo Iris Jonas Kira Liam Mina Noah Olga Pedro Rina Sven Talia "
    "Uri Vik Wen Xavi Yusuf Zara Anya Bruno Carla Dev Emma Farah Gabe Heidi Ismael Jade Kai "
    "Lucia Mateo Nadia Otto Pia Raj Selin Theo Ula Viktor Wanda Yoko Zeke Amara Boris Cora",
    " ",
)
RELATIVES = _list(
    "sister|brother|mom|dad|grandma|grandpa|cousin|aunt|uncle|niece|nephew|wife|husband|"
    "partner|daughter|son|best friend|roommate|neighbor|coworker|old roommate|manager"
)
CITIES = _list(
    "Lisbon|Kyoto|Oaxaca|Berlin|Nairobi|Reykjavik|Hanoi|Montreal|Seville|Istanbul|Cusco|"
    "Edinburgh|Marrakesh|Seoul|Prague|Copenhagen|Tbilisi|Valparaiso|Porto|Naples|Bergen|"
    "Ljubljana|Hobart|Cape Town|Bogota|Tallinn|Krakow|Osaka|Vienna|Dublin|Budapest|Lima|"
    "Chiang Mai|Zanzibar|Quebec City|Santorini|Bruges|Sarajevo|Queenstown|Havana"
)
FOODS = _list(
    "ramen|tacos al pastor|pad thai|sourdough|dumplings|paella|pho|falafel|sushi|lasagna|"
    "shakshuka|bibimbap|pierogi|biryani|ceviche|croissants|kimchi stew|mac and cheese|"
    "green curry|pastel de nata|tiramisu|banh mi|moussaka|poutine|gnocchi|jollof rice|"
    "empanadas|miso soup|carrot cake|lentil soup|fish and chips|katsu curry|baklava|risotto"
)
DRINKS = _list(
    "oat milk lattes|green tea|espresso|kombucha|matcha|cold brew|chai|hot chocolate|"
    "sparkling water|rooibos|mint tea|flat whites|iced americanos|ginger beer"
)
PETS = _list("dog|cat|rabbit|parrot|hamster|tortoise|corgi|golden retriever|tabby cat|beagle")
PET_NAMES = _list("Biscuit|Pepper|Mochi|Luna|Ziggy|Olive|Waffles|Nacho|Pixel|Juniper|Tofu|Miso")
JOBS = _list(
    "nurse|data analyst|high school teacher|line cook|architect|product designer|paramedic|"
    "accountant|software engineer|librarian|electrician|pharmacist|UX researcher|journalist"
)
COMPANIES = _list(
    "a small bakery|a logistics startup|the city hospital|a design agency|a public library|"
    "a bike shop|a climate nonprofit|an accounting firm|a game studio|the local school"
)
HOBBIES = _list(
    "bouldering|pottery|birdwatching|salsa dancing|knitting|trail running|chess|"
    "woodworking|sourdough baking|watercolor painting|surfing|gardening|photography|"
    "crossword puzzles|board games|kayaking|yoga|learning Japanese|journaling|cycling"
)
INSTRUMENTS = _list("guitar|piano|cello|ukulele|drums|violin|saxophone|banjo|flute")
SPORTS_TEAMS = _list(
    "the Celtics|Arsenal|the Yankees|Barcelona|the Packers|the Warriors|Liverpool|the Leafs"
)
GENRES = _list("sci-fi|horror|romantic comedies|documentaries|anime|westerns|thrillers|musicals")
AUTHORS = _list(
    "Ursula Le Guin|Haruki Murakami|Toni Morrison|Terry Pratchett|Octavia Butler|"
    "Kazuo Ishiguro|Agatha Christie|Ted Chiang|Sally Rooney|Gabriel Garcia Marquez"
)
ALLERGIES = _list("peanuts|shellfish|cats|pollen|gluten|penicillin|dust mites|lactose")
MONTHS = _list(
    "January February March April May June July August September October November December",
    " ",
)
WEEKDAYS = _list("Monday Tuesday Wednesday Thursday Friday Saturday Sunday", " ")
EVENTS = _list(
    "birthday party|job interview|dentist appointment|half marathon|wedding|book club|"
    "parent-teacher meeting|concert|yoga retreat|farmers market|team offsite|housewarming"
)
FEELINGS = _list("excited|nervous|exhausted|thrilled|a bit anxious|really happy|stressed")
YEARS = [str(y) for y in range(2009, 2025)]
# Chat-like openers and trailing remarks, so texts read like messages and rarely repeat.
PREFIXES = _list(
    "|||||Oh, and |Quick note: |Btw, |So, |Fun fact: |Update: |Just remembered, |Honestly, |"
    "Okay so |Not sure I told you, but |For the record, |Heads up: |Random thought: |Also, "
)
SUFFIXES = _list(
    "||||| Anyway.| Long story.| Wild, right?| Still thinking about it.| Can't wait.|"
    " Kind of proud of that.| Just so you know.| More on that later.| Anyway, that's the news.|"
    " Not complaining.| Go figure.| Worth remembering.| Ha.| Life, huh.| Oh well."
)

SLOTS: dict[str, list[str]] = {
    "name": NAMES,
    "name2": NAMES,
    "rel": RELATIVES,
    "city": CITIES,
    "city2": CITIES,
    "food": FOODS,
    "food2": FOODS,
    "drink": DRINKS,
    "drink2": DRINKS,
    "pet": PETS,
    "petname": PET_NAMES,
    "job": JOBS,
    "company": COMPANIES,
    "hobby": HOBBIES,
    "hobby2": HOBBIES,
    "instrument": INSTRUMENTS,
    "team": SPORTS_TEAMS,
    "genre": GENRES,
    "genre2": GENRES,
    "author": AUTHORS,
    "allergy": ALLERGIES,
    "month": MONTHS,
    "weekday": WEEKDAYS,
    "event": EVENTS,
    "feeling": FEELINGS,
    "year": YEARS,
    "day": [str(d) for d in range(1, 29)],
    "num": [str(n) for n in range(2, 15)],
    "age": [str(n) for n in range(3, 90)],
}

# (memory template, question templates). Questions ask about the same fact in other words.
TEMPLATES: list[tuple[str, tuple[str, ...]]] = [
    (
        "I just got back from {city} with {name}, the {food} there was unreal.",
        ("Where did I travel with {name}?", "What did I eat in {city}?"),
    ),
    (
        "My {rel} {name} is allergic to {allergy}, so no {food} at family dinners.",
        ("What is {name} allergic to?", "Which relative has an allergy to {allergy}?"),
    ),
    (
        "I've been doing {hobby} every {weekday} since {month} {year}.",
        ("When did I start {hobby}?", "What do I do on {weekday}s?"),
    ),
    (
        "Started a new job as a {job} at {company} in {month}.",
        ("What is my job now?", "Where do I work as a {job}?"),
    ),
    (
        "We adopted a {pet} named {petname} last {month}.",
        ("What is the name of my {pet}?", "When did we get {petname}?"),
    ),
    (
        "I can't start the day without {drink}, {num} cups before noon on {weekday}s.",
        ("What do I drink in the morning?", "How many cups of {drink} do I have?"),
    ),
    (
        "{name} and I are planning a trip to {city} in {month} {year}.",
        ("Where am I going with {name}?", "When is the {city} trip?"),
    ),
    (
        "I'm learning to play the {instrument}, {num} lessons in so far.",
        ("Which instrument am I learning?", "How many {instrument} lessons have I had?"),
    ),
    (
        "My {rel}'s {event} is on {month} {day}, need to buy a gift.",
        ("When is my {rel}'s {event}?", "What event is coming up on {month} {day}?"),
    ),
    (
        "I'm a huge fan of {team}, been watching them since {year}.",
        ("Which team do I support?", "How long have I followed {team}?"),
    ),
    (
        "Lately I've been reading a lot of {author}, {name} lent me the first one.",
        ("Which author am I reading?", "Who lent me books by {author}?"),
    ),
    (
        "I don't really like {genre}, I'd rather watch {genre2}.",
        ("What kind of movies do I prefer?", "Do I enjoy {genre}?"),
    ),
    (
        "Made {food} from scratch for {name} on {weekday}, it turned out great.",
        ("What did I cook for {name}?", "What did I make on {weekday}?"),
    ),
    (
        "I moved to {city} in {year} for work and still live there.",
        ("Where do I live?", "When did I move to {city}?"),
    ),
    (
        "Feeling {feeling} about the {event} next {weekday}.",
        ("How do I feel about the {event}?", "What is happening next {weekday}?"),
    ),
    (
        "My favorite comfort food is {food}, especially when it's raining.",
        ("What is my favorite comfort food?", "What do I like to eat on rainy days?"),
    ),
    (
        "{name} recommended {author}'s books to me at the {event}.",
        ("Who recommended {author} to me?", "What did {name} suggest I read?"),
    ),
    (
        "I ran my first {event} in {city} in {month}, finished in under {num} hours.",
        ("Where did I run my first {event}?", "How long did the {event} in {city} take?"),
    ),
    (
        "My {pet} {petname} is {num} years old and still loves the park.",
        ("How old is {petname}?", "What kind of pet is {petname}?"),
    ),
    (
        "Trying to cut down on {drink}, switching to {drink2} after lunch.",
        ("What am I trying to drink less of?", "What do I drink in the afternoon now?"),
    ),
    (
        "My {rel} {name} turns {age} on {month} {day}.",
        ("How old is {name} turning?", "When is {name}'s birthday?"),
    ),
    (
        "I got into {hobby} because of {name}, we go together most weekends.",
        ("Who got me into {hobby}?", "What do I do with {name} on weekends?"),
    ),
    (
        "Booked a table at a {food} place in {city} for our anniversary.",
        ("Where are we going for our anniversary?", "What restaurant did I book in {city}?"),
    ),
    (
        "I worked as a {job} for {num} years before switching careers.",
        ("What was my previous job?", "How long was I a {job}?"),
    ),
    (
        "Can you remind me to call {name} about the {event} on {weekday}?",
        ("What did I need to call {name} about?", "Who should I call on {weekday}?"),
    ),
    (
        "Not a fan of {food2}, but I'd eat {food} every single day.",
        ("What food could I eat every day?", "Which food do I dislike?"),
    ),
    (
        "We spent {month} {year} in {city} and then took the train to {city2}.",
        ("Where did we go after {city}?", "When were we in {city}?"),
    ),
    (
        "I picked up {hobby2} this year, it's a nice break from {hobby}.",
        ("What new hobby did I start this year?", "What do I do to take a break from {hobby}?"),
    ),
    (
        "My doctor said I should avoid {allergy}, which rules out a lot of {food}.",
        ("What did my doctor tell me to avoid?", "Why can't I eat {food}?"),
    ),
    (
        "Our book club is reading {author} for the {month} meeting.",
        ("What is the book club reading?", "Which author is the {month} book club pick?"),
    ),
    (
        "{name} from {company} invited me to play {instrument} at the {event}.",
        ("Who invited me to play at the {event}?", "Where will I play the {instrument}?"),
    ),
    (
        "I usually meal prep {food} on {weekday} evenings for the whole week.",
        ("What do I meal prep?", "When do I do my meal prep?"),
    ),
]


@dataclass(frozen=True, slots=True)
class Memory:
    i: int
    user_id: str
    text: str
    template: int
    slots: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Query:
    user_id: str
    text: str
    target: int  # index of the memory the question is about


def user_id(n: int) -> str:
    return f"user-{n:03d}"


def _fill(rng: random.Random, template: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for key in SLOTS:
        if "{" + key + "}" in template:
            values[key] = rng.choice(SLOTS[key])
    pairs = ("name", "food", "city", "hobby", "genre", "drink")
    for a, b in ((p, p + "2") for p in pairs):
        if a in values and b in values and values[a] == values[b]:
            values[b] = SLOTS[b][(SLOTS[b].index(values[b]) + 1) % len(SLOTS[b])]
    return values


_ARTICLE = re.compile(r"\b([Aa]) (?=[aeio])")


def _articles(text: str) -> str:
    return _ARTICLE.sub(r"\1n ", text)


def _dress(rng: random.Random, text: str) -> str:
    prefix = rng.choice(PREFIXES)
    if prefix and not text.startswith(("I ", "I'")):
        text = text[0].lower() + text[1:] if not text.startswith(tuple(NAMES)) else text
    return _articles(prefix + text + rng.choice(SUFFIXES))


def memories(n: int, *, users: int = 100, seed: int = 7) -> list[Memory]:
    """``n`` distinct memories; memory ``i`` belongs to user ``i % users``."""
    rng = random.Random(f"memories:{seed}")
    seen: set[tuple[str, str]] = set()
    out: list[Memory] = []
    i = 0
    attempts = 0
    while i < n:
        attempts += 1
        if attempts > 50 * n + 1000:
            raise RuntimeError(f"could not make {n} distinct memories; add words to data.py")
        uid = user_id(i % users)
        t = rng.randrange(len(TEMPLATES))
        values = _fill(rng, TEMPLATES[t][0])
        text = _dress(rng, TEMPLATES[t][0].format(**values))
        if (uid, text) in seen:
            continue
        seen.add((uid, text))
        out.append(Memory(i, uid, text, t, tuple(sorted(values.items()))))
        i += 1
    return out


def queries(mems: list[Memory], count: int, *, size: int, seed: int = 7) -> list[Query]:
    """``count`` questions about memories among the first ``size``, users chosen at random."""
    rng = random.Random(f"queries:{seed}:{size}")
    out = []
    for _ in range(count):
        m = mems[rng.randrange(min(size, len(mems)))]
        question = rng.choice(TEMPLATES[m.template][1])
        out.append(Query(m.user_id, _articles(question.format(**dict(m.slots))), m.i))
    return out


def add_texts(n: int, *, users: int = 100, seed: int = 7) -> list[tuple[str, str]]:
    """``(user_id, text)`` pairs for the ``add`` throughput run, disjoint from ``memories``."""
    rng = random.Random(f"adds:{seed}")
    out = []
    seen: set[str] = set()
    while len(out) < n:
        t = rng.randrange(len(TEMPLATES))
        text = _dress(rng, TEMPLATES[t][0].format(**_fill(rng, TEMPLATES[t][0])))
        if text in seen:
            continue
        seen.add(text)
        out.append((user_id(len(out) % users), text))
    return out
