"""Conversation logic: what happens when a contact, the bot or an agent acts on a conversation.

The endpoints parse frames and call these methods; the methods change the store (each change
one ``Store.write``, so it is committed before anyone is told), then tell the people
concerned through the :class:`Hub` and feed routing. Nothing here knows about sockets beyond
:class:`Connection` as an address to answer.

Order of effects for every state change: store (committed) -> the actor's answer (ack) ->
fan-out to others -> routing decisions carried out the same way. A failure before the commit
leaves nothing half-done; the actor gets an ``error`` frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from desk_app.bot.seam import Answer, Ask, Bot, BotReply, Handoff, KeywordBot, Turn
from desk_app.protocol.errors import (
    ConflictError,
    DeskError,
    ErrorCode,
    NotAllowedError,
    NotFoundError,
    ProtocolError,
)
from desk_app.protocol.events import Event
from desk_app.protocol.messages import (
    Ack,
    ConversationAssigned,
    ConversationDetail,
    ConversationResumed,
    ConversationStarted,
    ConversationStatus,
    ConversationUnassigned,
    EndConversation,
    HandoffContext,
    HandoffReason,
    KnowledgeResults,
    KnowledgeSubmitted,
    LeaveMessage,
    QueueItem,
    QueueRemoved,
    QueueUpdated,
    RateConversation,
    Rated,
    RequestHuman,
    ResumeConversation,
    SearchKnowledge,
    Sender,
    SendMessage,
    StartConversation,
    StatusChanged,
    SubmitKnowledge,
    TicketCreated,
    TransferConversation,
    Typing,
)
from desk_app.routing.queue import Assign
from desk_app.server.botrunner import BotJob, BotRunner
from desk_app.server.connection import Connection
from desk_app.server.hub import Hub
from desk_app.server.presence import Principal, Roster
from desk_app.server.routing import Router
from desk_app.server.suggestions import Suggester
from desk_app.server.texts import say
from desk_app.store import conversations as repo
from desk_app.store.contact_writer import ContactWriter
from desk_app.store.database import Store
from desk_app.store.models import Conversation, utcnow
from desk_app.store.tokens import hash_token, new_token

if TYPE_CHECKING:
    from desk_app.server.knowledge import KnowledgeService

log = logging.getLogger("desk_app.server.conversations")

BOT = ConversationStatus.BOT.value
QUEUED = ConversationStatus.QUEUED.value
ASSIGNED = ConversationStatus.ASSIGNED.value
CLOSED = ConversationStatus.CLOSED.value

POSITION_INTERVAL_S = 1.0


def _no_conversation() -> DeskError:
    return DeskError("start or resume a conversation first", code=ErrorCode.NO_CONVERSATION)


class ConversationService:
    def __init__(
        self,
        store: Store,
        hub: Hub,
        router: Router,
        roster: Roster,
        *,
        bot: Bot | None = None,
        knowledge: KnowledgeService | None = None,
    ) -> None:
        self.store = store
        self.hub = hub
        self.router = router
        self.roster = roster
        self.knowledge = knowledge
        self.bot = BotRunner(
            bot or KeywordBot(),
            apply=self.apply_bot_reply,
            apply_now=self.apply_bot_reply_now,
            load_states=self._load_bot_states,
            agents_available=self.router.any_online,
        )
        self.suggester = (
            Suggester(knowledge, self.bot, self.hub.to_agent) if knowledge is not None else None
        )
        self.assignees: dict[str, str] = {}  # conversation id -> agent id, for typing relay
        self.contact_writer: ContactWriter | None = None  # see start(writer_process=True)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._positions_due = False
        self._positions_at = float("-inf")

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self, *, writer_process: bool = False) -> None:
        """Rebuild the queue from the store and start the bot runner; with
        ``writer_process``, contacts' messages are stored by a :class:`ContactWriter`."""
        if writer_process and ContactWriter.possible(self.store):
            self.contact_writer = await ContactWriter.start(self.store)
        self.bot.start()
        if self.suggester is not None:
            self.suggester.start()
        items = await self.store.read(repo.queued_items)
        for item in items:
            self.router.enqueue(item, item.waiting_since or utcnow())
        for cid, agent_id in await self.store.read(repo.assigned_conversations):
            self.assignees[cid] = agent_id
        if items:
            log.info("queue.restored", extra={"waiting": len(items)})

    async def stop(self) -> None:
        if self.suggester is not None:
            await self.suggester.stop()
        await self.bot.stop()
        if self.contact_writer is not None:
            await self.contact_writer.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def spawn(self, work: Coroutine[Any, Any, Any], name: str) -> None:
        """Run follow-up work (suggestions, routing) without holding up the caller's reply."""
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("task.failed", exc_info=task.exception(), extra={"task": task.get_name()})

    # -- contact side -------------------------------------------------------------------------

    async def start_conversation(self, conn: Connection, frame: StartConversation) -> None:
        if conn.conversation_id is not None:
            raise ConflictError("this connection already has a conversation")
        token = new_token()
        now = utcnow()
        state = await self.store.write(
            lambda s: repo.create_conversation(
                s,
                token_hash=hash_token(token),
                now=now,
                name=frame.name,
                locale=frame.locale,
                channel=str(frame.channel),
                profile=frame.profile,
            )
        )
        self._bind(conn, state)
        conn.send(
            ConversationStarted(
                conversation_id=state.id,
                token=token,
                status=ConversationStatus.BOT,
                last_seq=0,
            )
        )
        log.info(
            "conversation.started",
            extra={"conversation_id": state.id, "channel": str(frame.channel)},
        )

    def _bind(self, conn: Connection, state: repo.ConversationState) -> None:
        if conn.conversation_id is not None and conn.conversation_id != state.id:
            self.hub.remove_contact(conn.conversation_id, conn)
        conn.conversation_id = state.id
        conn.contact_name = state.contact_name
        conn.locale = state.locale
        self.hub.add_contact(state.id, conn)

    async def resume(self, conn: Connection, frame: ResumeConversation) -> None:
        """Reattach with the resume token; replay what the contact missed after last_seq."""
        token_hash = hash_token(frame.token)
        state = await self.store.read(lambda s: repo.conversation_state(s, token_hash=token_hash))
        if state is None:
            raise DeskError("unknown conversation token", code=ErrorCode.TOKEN_INVALID)
        self._bind(conn, state)
        conn.hold(state.id)  # live messages wait until the replay is out
        try:
            # read after registering: whatever commits from now on is live, not lost
            state, missed = await self.store.read(
                lambda s: (
                    repo.conversation_state(s, conversation_id=state.id),
                    repo.messages_after(s, state.id, frame.last_seq, include_notes=False),
                )
            )
            assert state is not None
            up_to = max([state.last_seq, *(m.seq for m in missed)])
            conn.send(
                ConversationResumed(
                    conversation_id=state.id,
                    status=ConversationStatus(state.status),
                    last_seq=up_to,
                )
            )
            for message in missed:
                conn.replay(message)
        except BaseException:
            conn.release(state.id, frame.last_seq)
            raise
        conn.release(state.id, up_to)
        if state.status == QUEUED:
            position = self.router.position(state.id, utcnow())
            if position is not None:
                conn.send(position)
        elif state.status == ASSIGNED and state.assignee_id:
            conn.send(
                StatusChanged(
                    conversation_id=state.id,
                    status=ConversationStatus.ASSIGNED,
                    agent_name=self.roster.display_name(state.assignee_id) or None,
                )
            )
        log.info(
            "conversation.resumed", extra={"conversation_id": state.id, "replayed": len(missed)}
        )

    def contact_message_now(self, conn: Connection, frame: SendMessage) -> None:
        """A contact's message, without awaiting: the write's callback acks and fans out.

        The server's busiest path (every message in a conversation an agent holds), so no
        coroutine, task or future per message: the store calls back on the loop after
        COMMIT, in the order the writes were queued (see ``Store.submit_item``), and stores
        the messages that arrived together in one batch.
        """
        item = self._contact_text(conn, frame)
        ref = frame.client_msg_id

        def done(appended: repo.Appended | None, error: BaseException | None) -> None:
            if error is not None:
                conn.failed(error, ref)
            elif appended is not None:
                self._contact_message_stored(conn, frame, appended)

        tracked = conn.track_write(done)
        if self.contact_writer is not None and item.conversation_id in self.assignees:
            # a conversation an agent holds; while the bot has it, its messages and the bot's
            # answers are committed by one writer, in its group commits, rather than by two
            # taking turns on the database (only a matter of speed: either writer reads the
            # conversation's status as it stores)
            self.contact_writer.submit(item, tracked)
        else:
            self.store.submit_item(repo.append_contact_messages, item, tracked)

    def _contact_text(self, conn: Connection, frame: SendMessage) -> repo.ContactText:
        cid = conn.conversation_id
        if cid is None:
            raise _no_conversation()
        if frame.conversation_id not in (None, cid):
            raise NotAllowedError("that is not your conversation")
        if frame.internal:
            raise NotAllowedError("internal notes are for agents")
        return repo.ContactText(cid, frame.text, frame.client_msg_id, conn.contact_name)

    def _contact_message_stored(
        self, conn: Connection, frame: SendMessage, appended: repo.Appended
    ) -> None:
        """Committed: ack to the sender, then fan out and feed the bot, queue or agent."""
        message = appended.message
        cid = message.conversation_id
        conn.send(
            Ack(
                client_msg_id=frame.client_msg_id,
                conversation_id=cid,
                seq=message.seq,
                duplicate=appended.duplicate,
            )
        )
        if appended.duplicate:
            return
        data = self.hub.message_to_contact(message, exclude=conn)
        status = appended.status
        if status == BOT:
            self.bot.submit(BotJob(cid, message.text, message.seq, appended.locale))
        elif status == QUEUED:
            item = self.router.items.get(cid)
            if item is not None:
                item = _with_last_text(item, message.text)
                self.router.update_item(item)
                self.hub.to_agents(QueueUpdated(item=item))
        elif status == ASSIGNED and appended.assignee_id is not None:
            agent_id = appended.assignee_id
            self.hub.message_to_agent(agent_id, message, data=data)
            if self.suggester is not None:
                self.suggester.submit(agent_id, message)

    def contact_typing(self, conn: Connection, frame: Typing) -> None:
        cid = conn.conversation_id
        if cid is None:
            raise _no_conversation()
        agent_id = self.assignees.get(cid)
        if agent_id is not None:
            self.hub.to_agent(agent_id, Typing(conversation_id=cid, is_typing=frame.is_typing))

    async def request_human(self, conn: Connection, frame: RequestHuman) -> None:
        cid = conn.conversation_id
        if cid is None:
            raise _no_conversation()
        state = await self.store.read(lambda s: repo.conversation_state(s, conversation_id=cid))
        assert state is not None
        if state.status == CLOSED:
            raise ConflictError("the conversation is closed", code=ErrorCode.CONVERSATION_CLOSED)
        if state.status == BOT:
            context = HandoffContext(reason=HandoffReason.CUSTOMER_ASKED, note=frame.note)
            await self.hand_off(cid, context, locale=state.locale)
            return
        conn.send(
            StatusChanged(
                conversation_id=cid,
                status=ConversationStatus(state.status),
                agent_name=self.roster.display_name(state.assignee_id or "") or None,
            )
        )
        position = self.router.position(cid, utcnow())
        if position is not None:
            conn.send(position)

    async def end_by_contact(self, conn: Connection, _frame: EndConversation) -> None:
        cid = conn.conversation_id
        if cid is None:
            raise _no_conversation()
        now = utcnow()
        released = await self.store.write(
            lambda s: repo.close_conversation(s, cid, now, by="contact")
        )
        self.hub.to_contact(
            cid, StatusChanged(conversation_id=cid, status=ConversationStatus.CLOSED)
        )
        await self._released(released, "ended_by_contact")
        self.router.record_handle_time(released.handle_seconds)

    async def rate(self, conn: Connection, frame: RateConversation) -> None:
        cid = conn.conversation_id
        if cid is None:
            raise _no_conversation()
        now = utcnow()
        await self.store.write(lambda s: repo.rate(s, cid, frame.score, frame.comment, now))
        conn.send(Rated(conversation_id=cid, score=frame.score))
        log.info("conversation.rated", extra={"conversation_id": cid, "score": frame.score})

    async def leave_message(self, conn: Connection, frame: LeaveMessage) -> None:
        cid = conn.conversation_id
        now = utcnow()
        ticket_id = await self.store.write(
            lambda s: repo.create_ticket(
                s,
                text=frame.text,
                now=now,
                conversation_id=cid,
                name=frame.name,
                contact=frame.contact,
            )
        )
        conn.send(TicketCreated(ticket_id=ticket_id))
        log.info("ticket.created", extra={"ticket_id": ticket_id, "conversation_id": cid})

    def contact_gone(self, conn: Connection) -> None:
        if conn.conversation_id is not None:
            self.hub.remove_contact(conn.conversation_id, conn)

    # -- the bot ------------------------------------------------------------------------------

    async def _load_bot_states(
        self, ids: Sequence[str]
    ) -> dict[str, tuple[str, str, Mapping[str, Any]]]:
        def load(session: Session) -> dict[str, tuple[str, str, Mapping[str, Any]]]:
            rows = session.query(
                Conversation.id, Conversation.status, Conversation.locale, Conversation.bot_state
            ).filter(Conversation.id.in_(ids))
            return {row.id: (row.status, row.locale, row.bot_state or {}) for row in rows}

        return await self.store.read(load)

    async def apply_bot_reply(self, turn: Turn, reply: BotReply) -> None:
        """Carry out the bot's decision for one turn."""
        decision = reply.decision
        cid = turn.conversation_id
        if isinstance(decision, Handoff):
            context = HandoffContext(
                reason=decision.reason,
                intents=list(decision.intents),
                slots=dict(decision.slots),
                note=turn.text[:200],
            )
            # ConflictError / NotFoundError: the contact asked for a person or left meanwhile
            with contextlib.suppress(ConflictError, NotFoundError):
                await self.hand_off(
                    cid,
                    context,
                    text=decision.text,
                    team=decision.team,
                    priority=decision.priority,
                    bot_state=reply.state,
                    locale=turn.locale,
                )
            return
        try:
            appended = await self.store.write(self._bot_answer_write(turn, reply))
        except (ConflictError, NotFoundError):
            self.bot.forget(cid)  # no longer the bot's: the reply is dropped
            return
        self._bot_answer_stored(turn, reply, appended)

    def apply_bot_reply_now(self, turn: Turn, reply: BotReply, done: Callable[[], None]) -> bool:
        """An answer, carried out without a task: its write is queued now and the store
        calls back after COMMIT; ``done()`` follows. False for a handover (it awaits)."""
        if isinstance(reply.decision, Handoff):
            return False
        cid = turn.conversation_id

        def stored(appended: repo.Appended | None, error: BaseException | None) -> None:
            try:
                if isinstance(error, ConflictError | NotFoundError):
                    self.bot.forget(cid)  # no longer the bot's: the reply is dropped
                elif error is not None:
                    log.error("bot.apply_failed", exc_info=error, extra={"conversation_id": cid})
                elif appended is not None:
                    self._bot_answer_stored(turn, reply, appended)
            finally:
                done()

        self.store.submit(self._bot_answer_write(turn, reply), stored)
        return True

    def _bot_answer_write(self, turn: Turn, reply: BotReply) -> Callable[[Session], repo.Appended]:
        """The bot's answer and its reporting event, stored in one write."""
        decision = reply.decision
        assert isinstance(decision, Answer | Ask)
        cid = turn.conversation_id
        answered = not isinstance(decision, Answer) or decision.answered
        article_id = decision.article_id if isinstance(decision, Answer) else None
        score = decision.score if isinstance(decision, Answer) else None
        now = utcnow()

        def write(session: Session) -> repo.Appended:
            appended = repo.append_message(
                session,
                cid,
                sender=Sender.BOT,
                text=decision.text,
                now=now,
                author="bot",
                article_id=article_id,
                only_status=BOT,
                bot_state=reply.state,
            )
            repo.record_event(
                session,
                Event.BOT_ANSWERED if answered else Event.BOT_UNANSWERED,
                now,
                conversation_id=cid,
                value=score,
                data={"article_id": article_id} if article_id else {},
            )
            return appended

        return write

    def _bot_answer_stored(self, turn: Turn, reply: BotReply, appended: repo.Appended) -> None:
        cid = turn.conversation_id
        decision = reply.decision
        self.hub.message_to_contact(appended.message)
        if isinstance(decision, Answer) and not decision.answered and self.knowledge is not None:
            best = decision.intents[0].intent if decision.intents else None
            self.spawn(
                self.knowledge.record_unanswered(cid, turn.text, best, decision.score),
                "knowledge.unanswered",
            )

    # -- handoff and assignment ---------------------------------------------------------------

    async def hand_off(
        self,
        cid: str,
        context: HandoffContext,
        *,
        text: str = "",
        team: str | None = None,
        priority: int = 0,
        bot_state: Mapping[str, Any] | None = None,
        locale: str = "zh-CN",
    ) -> None:
        """Bot -> queue: store the context, tell the contact, queue it, maybe assign it."""
        now = utcnow()
        item, said = await self.store.write(
            lambda s: repo.hand_off(
                s, cid, context, now, text=text, team=team, priority=priority, bot_state=bot_state
            )
        )
        self.bot.forget(cid)
        if said is not None:
            self.hub.message_to_contact(said)
        self.hub.to_contact(
            cid, StatusChanged(conversation_id=cid, status=ConversationStatus.QUEUED)
        )
        log.info(
            "conversation.handed_off",
            extra={"conversation_id": cid, "reason": str(context.reason)},
        )
        if not self.router.any_online(item.skill):
            # nobody can take it now: say so, and offer to leave a message (ticket.create)
            notice = await self.store.write(
                lambda s: repo.append_message(
                    s, cid, sender=Sender.SYSTEM, text=say("no_agent", locale), now=now
                )
            )
            self.hub.message_to_contact(notice.message)
        await self._enqueue(item, now)

    async def _enqueue(self, item: QueueItem, now: datetime, *, front: bool = False) -> None:
        assigns = self.router.enqueue(item, now, front=front)
        if item.conversation_id in self.router.items:
            self.hub.to_agents(QueueUpdated(item=item))
        await self.carry_out(assigns, "auto")
        self.positions_changed()

    async def carry_out(self, assigns: list[Assign], how: str, *, depth: int = 0) -> None:
        """Store and announce routing's decisions; give back what could not be stored.

        The writes go to the store together, so an agent logging in to a long queue gets
        all their conversations in one commit, not one commit (and fsync) each.
        """
        if not assigns:
            return
        now = utcnow()
        if depth > 3:  # the store keeps failing: stop re-routing (a restart restores the queue)
            for decision in assigns:
                self.router.taken(decision)
                self.router.adjust(decision.agent_id, -1, now)
            log.error("assignment.given_up", extra={"count": len(assigns)})
            return
        items = [self.router.taken(decision) for decision in assigns]
        results = await asyncio.gather(
            *(
                self.store.write(
                    lambda s, d=decision: repo.assign(s, d.conversation_id, d.agent_id, how, now)
                )
                for decision in assigns
            ),
            return_exceptions=True,
        )
        retry: list[Assign] = []
        failed = False
        for decision, item, result in zip(assigns, items, results, strict=True):
            if isinstance(result, BaseException):
                cid = decision.conversation_id
                if isinstance(result, DeskError):  # not waiting any more (closed, picked)
                    log.info("assignment.skipped", extra={"conversation_id": cid})
                    if item is not None:
                        self.hub.to_agents(QueueRemoved(conversation_id=cid))
                else:  # the store failed: it still waits, so it stays in the queue
                    failed = True
                    log.error("assignment.failed", exc_info=result, extra={"conversation_id": cid})
                    if item is not None:
                        retry += self.router.enqueue(item, item.waiting_since or now)
                retry += self.router.adjust(decision.agent_id, -1, now)
            else:
                detail, previous = result
                listed = item is not None
                self._assigned(detail, decision.agent_id, how, previous=previous, listed=listed)
        self.positions_changed()
        await self.carry_out(retry, "auto", depth=depth + failed)

    def _assigned(
        self,
        detail: ConversationDetail,
        agent_id: str,
        how: str,
        *,
        previous: str | None,
        listed: bool,
    ) -> None:
        cid = detail.conversation_id
        self.assignees[cid] = agent_id
        self.roster.opened(agent_id, cid)
        self.hub.to_agent(agent_id, ConversationAssigned(conversation=detail, how=how))  # type: ignore[arg-type]
        if listed:
            self.hub.to_agents(QueueRemoved(conversation_id=cid))
        self.hub.to_contact(
            cid,
            StatusChanged(
                conversation_id=cid,
                status=ConversationStatus.ASSIGNED,
                agent_name=self.roster.display_name(agent_id) or None,
            ),
        )
        log.info(
            "assignment.created",
            extra={"conversation_id": cid, "agent_id": agent_id, "how": how, "from": previous},
        )

    def positions_changed(self) -> None:
        """Tell waiting contacts their new place: at once after a quiet spell, then at most
        every :data:`POSITION_INTERVAL_S`. With n waiting, each change can move n places, so
        a busy queue would otherwise send n frames per change."""
        if self._positions_due:
            return
        self._positions_due = True
        loop = asyncio.get_running_loop()
        wait = self._positions_at + POSITION_INTERVAL_S - loop.time()
        loop.call_later(max(0.0, wait), self._push_positions)

    def _push_positions(self) -> None:
        self._positions_due = False
        self._positions_at = asyncio.get_running_loop().time()
        for cid, frame in self.router.positions(utcnow()):
            self.hub.to_contact(cid, frame)

    async def _released(self, released: repo.Released, reason: str) -> None:
        """A conversation left its agent: tell them, free their capacity, route again."""
        cid = released.conversation_id
        self.assignees.pop(cid, None)
        if released.previous_status == QUEUED and self.router.remove(cid) is not None:
            self.hub.to_agents(QueueRemoved(conversation_id=cid))
            self.positions_changed()
        previous = released.previous_assignee
        if previous is not None and released.previous_status == ASSIGNED:
            self.hub.to_agent(
                previous,
                ConversationUnassigned(conversation_id=cid, reason=reason),  # type: ignore[arg-type]
            )
            self.roster.released(previous, cid)
            more = self.router.adjust(previous, -1, utcnow())
            await self.carry_out(more, "auto")

    # -- agent side ---------------------------------------------------------------------------

    async def pick(self, principal: Principal, cid: str) -> None:
        presence = self.roster.get(principal.agent_id)
        if (
            not principal.oversees
            and presence is not None
            and len(presence.holding) >= presence.capacity
        ):
            raise ConflictError("you are at capacity; close a conversation first")
        item = self.router.remove(cid)
        now = utcnow()
        try:
            detail, previous = await self.store.write(
                lambda s: repo.assign(s, cid, principal.agent_id, "picked", now)
            )
        except DeskError:
            if item is not None:
                state = await self.store.read(
                    lambda s: repo.conversation_state(s, conversation_id=cid)
                )
                if state is not None and state.status == QUEUED:
                    await self._enqueue(item, item.waiting_since or now)
            raise
        self.router.adjust(principal.agent_id, +1, now)
        self._assigned(detail, principal.agent_id, "picked", previous=previous, listed=True)
        self.positions_changed()

    async def agent_message(
        self, conn: Connection, principal: Principal, frame: SendMessage
    ) -> None:
        cid = frame.conversation_id
        if cid is None:
            raise ProtocolError("conversation_id is required for agents")
        sender = Sender.NOTE if frame.internal else Sender.AGENT
        now = utcnow()
        appended = await self.store.write(
            lambda s: repo.append_message(
                s,
                cid,
                sender=sender,
                text=frame.text,
                now=now,
                author=principal.display_name,
                client_msg_id=frame.client_msg_id,
                client_scope=principal.agent_id,
                agent_id=principal.agent_id,
                only_assignee=principal.owner_filter(),
            )
        )
        conn.send(
            Ack(
                client_msg_id=frame.client_msg_id,
                conversation_id=cid,
                seq=appended.message.seq,
                duplicate=appended.duplicate,
            )
        )
        if appended.duplicate:
            return
        message = appended.message
        data = self.hub.message_to_contact(message)  # notes are never sent to a contact
        if appended.assignee_id is not None:
            self.hub.message_to_agent(appended.assignee_id, message, exclude=conn, data=data)

    async def agent_typing(self, principal: Principal, frame: Typing) -> None:
        cid = frame.conversation_id
        if cid is None:
            raise ProtocolError("conversation_id is required for agents")
        owner = principal.owner_filter()
        if owner is not None and self.assignees.get(cid) != owner:
            raise NotAllowedError("this conversation is not yours")
        self.hub.to_contact(cid, Typing(conversation_id=cid, is_typing=frame.is_typing))

    async def sync(self, conn: Connection, principal: Principal, cid: str, last_seq: int) -> None:
        """Send an agent what they missed in a conversation after ``last_seq`` (notes too)."""
        state = await self.store.read(lambda s: repo.conversation_state(s, conversation_id=cid))
        if state is None:
            raise NotFoundError(f"no conversation {cid}")
        owner = principal.owner_filter()
        if owner is not None and state.assignee_id != owner:
            raise NotAllowedError("this conversation is not yours")
        conn.hold(cid)
        up_to = last_seq
        try:
            missed = await self.store.read(lambda s: repo.messages_after(s, cid, last_seq))
            for message in missed:
                conn.replay(message)
            up_to = max([last_seq, *(m.seq for m in missed)])
        finally:
            conn.release(cid, up_to)

    async def transfer(self, principal: Principal, frame: TransferConversation) -> None:
        if (frame.to_agent_id is None) == (frame.to_team is None):
            raise ProtocolError("give exactly one of to_agent_id and to_team")
        cid = frame.conversation_id
        owner = principal.owner_filter()
        now = utcnow()
        if frame.to_team is not None:
            team = frame.to_team
            released = await self.store.write(
                lambda s: repo.requeue(
                    s,
                    cid,
                    now,
                    reason="transferred",
                    owner=owner,
                    agent_id=principal.agent_id,
                    team=team,
                    note=frame.note,
                )
            )
            await self._released(released, "transferred")
            self.hub.to_contact(
                cid, StatusChanged(conversation_id=cid, status=ConversationStatus.QUEUED)
            )
            assert released.item is not None
            await self._enqueue(released.item, now)
            return
        target = frame.to_agent_id
        assert target is not None
        presence = self.roster.get(target)
        if presence is None or not self.hub.agent_connected(target):
            raise ConflictError("that agent is not online")
        from_status = (ASSIGNED, QUEUED) if principal.oversees else (ASSIGNED,)
        detail, previous = await self.store.write(
            lambda s: repo.assign(
                s, cid, target, "transfer", now, from_status=from_status, owner=owner
            )
        )
        listed = self.router.remove(cid) is not None
        self.router.adjust(target, +1, now)
        if previous is not None:
            self.hub.to_agent(
                previous, ConversationUnassigned(conversation_id=cid, reason="transferred")
            )
            self.roster.released(previous, cid)
            more = self.router.adjust(previous, -1, now)
            self._assigned(detail, target, "transfer", previous=previous, listed=listed)
            await self.carry_out(more, "auto")
        else:
            self._assigned(detail, target, "transfer", previous=None, listed=listed)
        self.positions_changed()

    async def return_to_bot(self, principal: Principal, cid: str) -> None:
        now = utcnow()
        released = await self.store.write(
            lambda s: repo.return_to_bot(
                s, cid, now, owner=principal.owner_filter(), agent_id=principal.agent_id
            )
        )
        self.bot.forget(cid)
        self.hub.to_contact(cid, StatusChanged(conversation_id=cid, status=ConversationStatus.BOT))
        await self._released(released, "returned_to_bot")

    async def close(self, principal: Principal, cid: str) -> None:
        now = utcnow()
        released = await self.store.write(
            lambda s: repo.close_conversation(
                s, cid, now, by="agent", owner=principal.owner_filter(), agent_id=principal.agent_id
            )
        )
        self.hub.to_contact(
            cid, StatusChanged(conversation_id=cid, status=ConversationStatus.CLOSED)
        )
        await self._released(released, "closed")
        self.router.record_handle_time(released.handle_seconds)
        log.info("conversation.closed", extra={"conversation_id": cid, "by": "agent"})

    async def requeue_held(self, agent_id: str, reason: str, held: Sequence[str]) -> None:
        """The agent is gone (``reason`` ``grace_expired`` or ``logged_out``): their
        conversations go back to the front of the queue, in the order they were taken."""
        for cid in held:
            now = utcnow()
            try:
                released = await self.store.write(
                    lambda s, cid=cid, at=now: repo.requeue(
                        s, cid, at, reason=reason, expect_assignee=agent_id
                    )
                )
            except DeskError:
                continue  # closed or moved meanwhile
            self.assignees.pop(cid, None)
            self.roster.released(agent_id, cid)
            if reason == "grace_expired":  # a desk still open elsewhere must drop it
                self.hub.to_agent(
                    agent_id, ConversationUnassigned(conversation_id=cid, reason="grace_expired")
                )
            self.hub.to_contact(
                cid, StatusChanged(conversation_id=cid, status=ConversationStatus.QUEUED)
            )
            assert released.item is not None
            await self._enqueue(released.item, now, front=True)
            log.info(
                "conversation.requeued",
                extra={"conversation_id": cid, "agent_id": agent_id, "reason": reason},
            )

    # -- knowledge ----------------------------------------------------------------------------

    def _knowledge(self) -> KnowledgeService:
        if self.knowledge is None:
            raise NotFoundError("no knowledge base is loaded on this server")
        return self.knowledge

    async def search_knowledge(self, conn: Connection, frame: SearchKnowledge) -> None:
        knowledge = self._knowledge()
        hits = await self.bot.drive_in_bot_thread(
            lambda: knowledge.search(frame.query, frame.limit)
        )
        conn.send(KnowledgeResults(request_id=frame.request_id, hits=hits))

    async def submit_knowledge(
        self, conn: Connection, principal: Principal, frame: SubmitKnowledge
    ) -> None:
        article_id, status = await self._knowledge().submit(frame, principal.username)
        conn.send(
            KnowledgeSubmitted(request_id=frame.request_id, article_id=article_id, status=status)
        )


def _with_last_text(item: QueueItem, text: str) -> QueueItem:
    import msgspec

    return msgspec.structs.replace(item, last_text=text[:200])
