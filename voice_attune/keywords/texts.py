"""What the synthetic voices say while a keyword model learns: everyday talk and carriers.

These sentences are for training only. The benchmark (scripts/bench_listen.py) has its own,
written apart, so its figures are measured on talk the models never heard.
"""

from __future__ import annotations

EVERYDAY = (
    "I think we should go to bed a little earlier this week.",
    "Did you remember to call the dentist about Tuesday?",
    "The heating came on by itself at four in the morning.",
    "It was nice of your mum to bring the soup round.",
    "I keep thinking about what you said in the car.",
    "Work has been a lot, and I have not been myself.",
    "Can you pick up bread and milk on the way home?",
    "I felt left out when you made plans without me.",
    "Honestly, I just want a quiet weekend with you.",
    "The cat knocked the plant off the window sill again.",
    "We could try cooking that curry recipe on Sunday.",
    "I am worried about how little we have been talking.",
    "You were really patient with the kids this morning.",
    "My sister says hello and asks when we can visit.",
    "I noticed you seemed tired after the phone call.",
    "Let us not decide anything about the holiday tonight.",
    "The train was late so I missed the start of the meeting.",
    "I liked it when we walked home the long way.",
    "Sometimes I need you to just hold my hand.",
    "The washing machine finished, can you hang things up?",
    "I felt embarrassed at dinner and I did not say so.",
    "There is a letter from the bank on the table.",
    "I would like us to have one evening a week without screens.",
    "You looked happy when you were talking about your course.",
    "I am sorry I snapped at you earlier.",
    "The garden needs weeding before your parents come.",
    "I am scared that I am letting you down.",
    "Can we talk about the money thing tomorrow instead?",
    "It helps when you tell me what you need.",
    "I made a list of the things we keep putting off.",
    "Our friends asked us to join them at the lake in June.",
    "I slept badly and everything feels heavier today.",
    "When you came home early it really made my day.",
    "The printer is out of ink again.",
    "I want to understand why that upset you so much.",
    "Let us set an alarm so we remember to take the medicine.",
    "I miss the way we used to laugh about silly things.",
    "The doctor said the results look fine.",
    "I need ten minutes on my own when I get home.",
    "Thank you for sorting out the car insurance.",
    "Maybe we could ask your brother to help with the move.",
    "I was proud of how calmly you handled that.",
    "We have not had a proper date night since spring.",
    "The kettle is broken, so I boiled water in a pan.",
    "I get quiet when I feel criticised.",
    "Could you tell me one thing that went well today?",
    "I think the neighbours are having a party tonight.",
    "I want us to be kinder to each other when we are tired.",
    "The bus timetable changed, so I will leave earlier.",
    "I felt really supported when you came to the appointment.",
    "What would make tomorrow morning easier for you?",
    "The football was on so loud I could not think.",
    "I keep forgetting to water the tomatoes.",
    "It is hard for me to ask for help.",
    "Let us put our phones in the drawer during dinner.",
    "I booked the table for seven on Friday.",
    "I am anxious about starting the new job.",
    "You always know how to make me feel better.",
    "The roof is leaking above the spare room.",
    "I would love a cup of tea if you are making one.",
    "Can we agree to take turns choosing the film?",
    "I felt hurt and I did not know how to say it.",
    "The library books are due back on Monday.",
    "Please wake me if I fall asleep on the sofa.",
    "I want to try again and listen better this time.",
    "We need to decide about the school trip by Thursday.",
    "It was a long day, but seeing you helps.",
    "I am not angry, I am just disappointed.",
    "Shall we go for a walk before it gets dark?",
    "The dog needs to go to the vet for her jab.",
)
"""Everyday sentences (none holds a command or a likely pause word)."""

CARRIERS = (
    "{w} please, I need a moment.",
    "{w}, I am getting overwhelmed.",
    "{w}, can we stop for a bit?",
    "Wait, {w}, this is too much.",
    "I want to say {w} right now.",
    "Sorry, {w}, I need to breathe.",
    "Okay, {w}.",
    "I think I need to say {w}.",
    "{w}, {w}.",
    "Hang on, {w}, hang on.",
    "Can I just say {w} for a second?",
    "This is getting heated, {w}.",
)
"""Sentences that hold a phrase; {w} is the phrase."""

COMMAND_CARRIERS = (
    "{w}.",
    "Um, {w}.",
    "Okay, {w}.",
    "{w} please.",
    "I think {w}.",
    "Well, {w}.",
)
"""How answers and commands come: mostly alone, sometimes with a word before or after."""

FILLERS = ("okay", "um", "well", "right", "so", "yeah", "hmm", "and", "but", "I mean")

FREQUENT = frozenset("""
a about after again all also always am an and any apple apples are around as ask at away back bad bag
ball bank be bed been before being best better big bill bills bit black blue book both box boy bring
brown but buy by cake call came can car care case cat chair chapel child close coat cold come could cup
cut day did dine dinner do does dog done door down drink drive each eat end even ever eye face fair
fall far fast feel few fill find fine fire first fish five food for four free friend from full fun game
gave get girl give go good got great green had hair half hand happy hard has hat have he head hear heart
help her here high him his hold home hope hot house how I if in into is it job just keep kind know land
last late left less let life light like line little live long look lot love made make man many may me
mean men might mine mind more most mother much must my name near need never new next nice night nine
no not now of off oh old on once one only open or other our out over page pain pair pan park part pay pen
pie pile pill pin pine pint place plan play please point pool pot put rain read red rest right road room
run said same saw say school see sell send she shine shop short should show side sign sit six sleep small
so some soon spine stay still stop such sun sure table take talk tell ten than thank that the their them
then there these they thing think this those three time to today told too took top town tree try turn
two under up us use very wait walk want was water way we week well went were what when where which while
white who why will wind wine with word work would write year yes yet you young your
""".split())
"""Frequent English words: near-sounding words are taken from these first."""
