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
    "To pause, say {pause_word}{pause_also}. To end the session, say stop. {crisis_line}"
)
QUESTION_HELP = (
    "You can answer {options}. You can also say repeat, or skip. "
    "To pause, say {pause_word}{pause_also}. To end the session, say stop. {crisis_line}"
)
NOT_CAUGHT = "Sorry, I didn't catch that. You can say {options}."
OWN_WORDS = "Of course. Say it in your own words."
LEAVE_IT = "That's okay, let's leave this one for now."
NOTHING_TO_REPEAT = "We're just at the start."

BREATH_CUES = ("Breathe in.", "Hold.", "And out.")

CARE_PAUSE = (
    "Let's pause here for a moment. What was just said sounds important, "
    "and it deserves care. I'm not able to help with it myself."
)
CARE_QUESTION = (
    "Would you like to stop here for today, or go on? You can say stop, or go on."
)
CARE_UNCLEAR = "You can say stop, to end here, or go on."
CARE_END = "Okay, we'll stop here for today. Once more: {crisis_line}"
CARE_WORDS = ("go on", "continue", "stop", "end")
"""The answers the care question expects."""

KEEP_WORDS_QUESTION = (
    "Before we begin: would you like me to keep a written record of what you each say today, "
    "on this computer only? I'll keep it only if you both say yes. {speaker}, yes or no?"
)
KEEP_WORDS_SECOND = "And {speaker}, would you like me to keep today's words? Yes or no?"
KEEP_WORDS_YES = "Thank you both. I'll keep today's words, on this computer only."
KEEP_WORDS_NO = "Okay. Nothing you say today will be written down."
MIRROR_UNCLEAR = ("I'm not sure I understood. {speaker}, in a few words, what matters most in what "
                  "you shared?")
"""When "did that capture it?" got no clear answer twice: the speaker gets a short turn to clarify,
rather than the guide moving on as if it had been confirmed."""
