"""Event names, said once. Reporting events in the store and hub topics use these strings."""

from __future__ import annotations

from enum import StrEnum


class Event(StrEnum):
    CONVERSATION_CREATED = "conversation.created"
    CONVERSATION_HANDED_OFF = "conversation.handed_off"
    CONVERSATION_RETURNED_TO_BOT = "conversation.returned_to_bot"
    CONVERSATION_CLOSED = "conversation.closed"
    CONVERSATION_RATED = "conversation.rated"
    ASSIGNMENT_CREATED = "assignment.created"
    ASSIGNMENT_ENDED = "assignment.ended"
    CONVERSATION_TRANSFERRED = "conversation.transferred"
    FIRST_REPLY_CREATED = "first.reply.created"
    MESSAGE_CREATED = "message.created"
    BOT_ANSWERED = "bot.answered"
    BOT_UNANSWERED = "bot.unanswered"
    TICKET_CREATED = "ticket.created"
    AGENT_LOGGED_IN = "agent.logged_in"
    AGENT_LOGGED_OUT = "agent.logged_out"
    AGENT_STATUS_CHANGED = "agent.status_changed"
    ARTICLE_SUBMITTED = "article.submitted"
    ARTICLE_PUBLISHED = "article.published"
    ARTICLE_ARCHIVED = "article.archived"
