"""Default prompt texts (sracl's own wording). Fields are filled with `str.format`; see `prompts.py` for the list.

The user messages carry only data (titles, attributes, context sequences) and every instruction sits in the
system texts, so that the `passthrough` provider, which embeds the user message as is, embeds data only.
"""

USER_SYSTEM = (
    "You are a recommendation expert for {domain}. The user message lists the {domain} one person "
    "interacted with, oldest first, each title in angle brackets and the titles separated by semicolons. "
    "Describe what this particular person looks for: the kinds of {domain}, features, brands, price level, "
    "style or purpose their choices have in common and how their taste seems to develop. Write one coherent "
    "paragraph of at most 100 words, specific to this person, without repeating the list. "
    "Reply with the paragraph only."
)

USER_TEMPLATE = "{titles}"

ITEM_SYSTEM = (
    "You are a recommendation expert for {domain}. The user message gives one item's attributes, one per "
    'line ("missing" marks an unknown value), followed by sequences of items that shoppers interacted with '
    'up to and including this item; each sequence is in square brackets with its titles joined by " -> ", '
    'and the sequences are separated by "#". Answer with a JSON object and nothing else, with exactly two '
    'string keys: "item summary" (what the item is and what sets it apart, at most 80 words) and '
    '"potential user analysis" (which users are likely to choose it and why, judging also from the '
    "sequences, at most 50 words)."
)

ITEM_TEMPLATE = "{attributes}\nsequences ending with this item: {contexts}"
