"""Generated retrieval sets for the matrix: unrelated first-person facts, many users, ten
facts each, one question per fact — asked in words that share one (``direct``) or none
(``paraphrase``) of the fact's content words.

    >>> users = fact_users(2)
    >>> len(users), len(users[0].facts)
    (2, 10)
    >>> shared_content_words(users[0].facts[0].text, users[0].facts[0].paraphrase)
    set()

Deterministic (seeded): the same users, facts and questions on every run. Each user's ten
facts are one per topic, values drawn from the topic's list, so no two facts of a user share
a topic and the asked fact is the only right answer among the user's ten.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

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
            "How do I earn a living?", ("nurse", "carpenter", "data engineer", "pilot",
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

_STOPWORDS = frozenset({
    "a", "an", "the", "i", "i'm", "me", "my", "am", "is", "are", "do", "does", "did", "what",
    "which", "who", "where", "how", "in", "on", "to", "of", "for", "with", "at", "these",
    "days", "every", "most", "next", "give", "make", "made", "i've", "this", "that",
})  # fmt: skip


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


def content_words(text: str) -> set[str]:
    words = re.findall(r"[a-z']+", text.lower())
    return {w.rstrip("'s") for w in words if w not in _STOPWORDS}


def shared_content_words(fact: str, question: str) -> set[str]:
    return content_words(fact) & content_words(question)
