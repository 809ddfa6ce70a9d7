"""What the guide says on its own, outside any script: warm, short, never judging.

Scripts hold the conversation's prompts; these are the words around them (the pause, help,
nudges, endings). They are templates like a script's prompts ({speaker}, {pause_word}, ...).
"""

PAUSING = "Okay. We're pausing now. Nothing needs to happen."
BREATHE_FIRST = "Let's breathe together for a moment."
CONTINUE_QUESTION = (
    "Whenever you're ready: are you comfortable continuing? You can say yes, or not now."
)
CONTINUE_REMINDER = "I'm still here. Say yes to go on, or not now to stop for today."
CONTINUE_UNCLEAR = "You can say yes to go on, or not now to stop for today."
RESUMING = "Thank you. Let's go on."
NOT_NOW = (
    "That's okay. We'll stop here for today, and keep this as something to come back to "
    "when you're both ready. Thank you both."
)
STOPPING = "Okay, we'll stop here. Thank you both for the time you gave each other."
UNANSWERED = (
    "It seems this isn't a good moment. Let's stop here for now. "
    "You can start again whenever you like."
)
FIRST_SESSION = (
    "Welcome. One thing, said only this first time: I can guide your conversations, "
    "but I am not therapy, and not a crisis service."
)
FOLLOW_UP_QUESTION = (
    "Last time, in your {topic}, you set something aside to come back to. "
    "Would you like to talk about it now? You can say yes, or later."
)
FOLLOW_UP_LATER = "Okay. It can wait for another day."
FOLLOW_UP_TURN = (
    "{speaker}, what would you like to say about it? {listener}, you only listen. "
    "When you have finished, you can say: I'm done."
)
FOLLOW_UP_DONE = "Thank you both. Now, on to today's session."
DEFAULT_END = "That's the end of this session. Thank you both."

TURN_NUDGE = "{speaker}, take your time. You can begin whenever you're ready, or say skip."
TURN_RESUMED = "{speaker}, the floor is yours again, with about {remaining} left."
MORE_TIME = "Of course, {speaker}. Take about {remaining} more."
NO_MORE_TIME = "{speaker}, there's about {remaining} left in this turn."
TURN_HELP = (
    "This is {speaker}'s time to talk. You can say: I'm done, more time, or skip. "
    "To pause, say {pause_word}. To end the session, say stop."
)
QUESTION_HELP = (
    "You can answer {options}. You can also say repeat, or skip. "
    "To pause, say {pause_word}. To end the session, say stop."
)
NOT_CAUGHT = "Sorry, I didn't catch that. You can say {options}."
OWN_WORDS = "Of course. Say it in your own words."
LEAVE_IT = "That's okay, let's leave this one for now."
NOTHING_TO_REPEAT = "We're just at the start."

BREATH_CUES = ("Breathe in.", "Hold.", "And out.")
