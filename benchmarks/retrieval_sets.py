"""Generated retrieval sets for the matrix: unrelated first-person facts, many users, ten
facts each, one question per fact — asked in words that share one (``direct``) or none
(``paraphrase``) of the fact's content words.

    >>> users = fact_users(2)
    >>> len(users), len(users[0].facts)
    (2, 10)
    >>> all(not shared_terms(f.text, f.paraphrase) for u in users for f in u.facts)
    True

Deterministic (seeded): the same users, facts and questions on every run. Each user's ten
facts are one per topic, values drawn from the topic's list, so no two facts of a user share
a topic and the asked fact is the only right answer among the user's ten.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from memory_core.retrieval.bm25 import Bm25Encoder

#: topic -> (fact template, direct question, paraphrase question, values). ``{v}`` is the
#: value; the paraphrase shares no content word with any fact of its topic.
TOPICS: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "city": ("I live in {v} these days", "Which city do I live in?",
             "Where is my home?", ("Lisbon", "Toronto", "Osaka", "Nairobi", "Lima",
                                   "Krakow", "Denver", "Hanoi")),
    "pet": ("My dog is called {v}", "What is my dog called?",
            "What name did I give my puppy?", ("Biscuit", "Pepper", "Rex", "Luna", "Mochi",
                                              "Ziggy", "Olive", "Bruno")),
    "job": ("I work as a {v}", "What is my work?",
            "What is my profession?", ("nurse", "carpenter", "data engineer", "pilot",
                                        "teacher", "pharmacist", "architect", "baker")),
    "allergy": ("I'm allergic to {v}", "What am I allergic to?",
                "Which foods make me sick?", ("peanuts", "shellfish", "gluten", "eggs",
                                              "sesame", "soy", "kiwi", "walnuts")),
    "sport": ("I play {v} every weekend", "Which sport do I play?",
              "How do I stay active?", ("tennis", "basketball", "badminton", "volleyball",
                                        "squash", "cricket", "rugby", "hockey")),
    "sibling": ("My sister {v} is a doctor", "What is my sister's name?",
                "Who is the physician in my family?", ("Maria", "Aiko", "Fatima", "Chloe",
                                                       "Ingrid", "Priya", "Sofia", "Nadia")),
    "car": ("I drive a {v}", "What car do I drive?",
            "Which vehicle do I own?", ("red hatchback", "blue pickup", "silver sedan",
                                        "green minivan", "black coupe", "white van",
                                        "yellow convertible", "grey wagon")),
    "food": ("My favourite dish is {v}", "What is my favourite dish?",
             "What do I love eating most?", ("ramen", "paella", "lasagna", "tacos",
                                             "biryani", "pho", "moussaka", "goulash")),
    "music": ("I play the {v} in a band", "Which instrument do I play in the band?",
              "What do I perform on with my group?", ("bass", "cello", "trumpet",
                                                       "drums", "violin", "saxophone",
                                                       "flute", "ukulele")),
    "trip": ("Next summer I'm travelling to {v}", "Where am I travelling next summer?",
             "Which country will I visit on my upcoming holiday?", ("Iceland", "Peru",
                                                                    "Japan", "Morocco",
                                                                    "Norway", "Chile",
                                                                    "Vietnam", "Greece")),
}  # fmt: skip

_BM25 = Bm25Encoder()


@dataclass(frozen=True, slots=True)
class Fact:
    id: str
    topic: str
    text: str
    question: str
    paraphrase: str


@dataclass(frozen=True, slots=True)
class FactUser:
    user_id: str
    facts: tuple[Fact, ...]


def fact_users(count: int = 60, seed: int = 15) -> list[FactUser]:
    """``count`` users with one fact per topic each."""
    rng = random.Random(seed)
    users = []
    for n in range(count):
        user_id = f"user-{n:03d}"
        facts = []
        for topic, (template, question, paraphrase, values) in TOPICS.items():
            text = template.format(v=rng.choice(values))
            facts.append(Fact(f"{user_id}/{topic}", topic, text, question, paraphrase))
        order = rng.sample(facts, len(facts))  # as told: in no particular order
        users.append(FactUser(user_id, tuple(order)))
    return users


def shared_terms(fact: str, question: str) -> set[int]:
    """The BM25 terms (after Qdrant's stemming and stopwords) a question shares with a fact:
    none for a paraphrase ("earn a living" would meet "I live in" through the stem)."""
    document = set(_BM25.document(fact).indices)
    return document & set(_BM25.query(question).indices)
