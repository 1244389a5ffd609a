"""The desk's state on the UI thread: turns server frames into model updates and signals.

Views never read frames and never hold protocol state; they talk to this controller, which
owns the item models (queue, mine, one transcript per held conversation) and sends the agent's
actions through the connection. Keeping this apart from the widgets lets the tests drive a
real server through the controller and assert on models, and lets each screen redraw only on
the signals it cares about (as Anki's ``operation_did_execute``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from desk_app.desk.models.mine_model import MineModel
from desk_app.desk.models.queue_model import QueueModel, QueueRow, prepare_row
from desk_app.desk.models.roster_model import RosterModel
from desk_app.desk.models.transcript_model import TranscriptModel
from desk_app.protocol.messages import (
    Ack,
    AgentInfo,
    AgentsSnapshot,
    AgentState,
    AgentStatus,
    AgentsUpdated,
    ArticleHit,
    AuthOk,
    CloseConversation,
    ConversationAssigned,
    ConversationDetail,
    ConversationStatus,
    ConversationUnassigned,
    Error,
    Frame,
    KnowledgeResults,
    KnowledgeSubmitted,
    KnowledgeSuggestions,
    MessageFrame,
    PickConversation,
    QueueItem,
    QueueRemoved,
    QueueSnapshot,
    QueueUpdated,
    ReturnToBot,
    SearchKnowledge,
    Sender,
    SendMessage,
    ServerShutdown,
    SetStatus,
    StatusChanged,
    SubmitKnowledge,
    TransferConversation,
    Typing,
)


class FrameSink(Protocol):
    """What the controller sends through: :class:`~desk_app.desk.net.DeskConnection`."""

    def send(self, frame: Frame) -> None: ...


# 4 applications a second: each costs a repaint of the visible queue (~9 ms CPU), and an agent
# reads a busy queue no faster than that (was 200 ms).
QUEUE_BATCH_MS = 250


@dataclass(frozen=True, slots=True)
class Prepared:
    """A server frame with what the UI thread needs from it already computed elsewhere."""

    frame: Frame
    rows: tuple[QueueRow, ...]  # the frame's queue items as model rows, in order


def prepare_frame(frame: Frame) -> Frame | Prepared:
    """Model preparation for ``DeskConnection.prepare``: runs on the connection's thread.

    Queue frames are the desk's bulk (a 5,000-item snapshot, a hundred updates a second):
    their rows' display strings, sort keys and filter text are built there, and the UI thread
    only inserts ready rows. Every other frame passes through unchanged.
    """
    if isinstance(frame, QueueSnapshot):
        return Prepared(frame, tuple(prepare_row(item) for item in frame.items))
    if isinstance(frame, QueueUpdated):
        return Prepared(frame, (prepare_row(frame.item),))
    return frame


def new_id() -> str:
    """A random id for ``client_msg_id`` / ``request_id`` (the server dedups on it)."""
    return uuid.uuid4().hex


class DeskController(QObject):
    """Frames in, model updates and signals out; agent actions in, frames out."""

    authenticated = Signal(object)  # AgentInfo
    agent_changed = Signal(object)  # AgentInfo
    conversation_opened = Signal(str, str)  # conversation id, how (picked/auto/transfer/resumed)
    conversation_ended = Signal(str, str)  # conversation id, reason
    conversation_status = Signal(str, str)  # conversation id, ConversationStatus value
    message_added = Signal(str, object)  # conversation id, Message
    contact_typing = Signal(str, bool)
    queue_arrival = Signal(str, str)  # a conversation newly waiting: id, contact name
    suggestions_changed = Signal(str, list)  # conversation id, list[ArticleHit]
    search_results = Signal(str, list)  # request id, list[ArticleHit]
    knowledge_submitted = Signal(str, str, str)  # request id, article id, status
    error_received = Signal(str, str, str)  # code, message, ref
    server_stopping = Signal(int)  # retry_after seconds

    def __init__(self, sink: FrameSink, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sink = sink
        self.queue = QueueModel(self)
        self.mine = MineModel(self)
        self.transcripts: dict[str, TranscriptModel] = {}
        self.details: dict[str, ConversationDetail] = {}
        self.suggestions: dict[str, list[ArticleHit]] = {}
        self.agent: AgentInfo | None = None
        self.known_agents: dict[str, str] = {}  # agent id -> display name
        self.roster = RosterModel(self)  # agents on the desk now: transfer targets
        self.current: str | None = None  # the conversation on screen: its messages are read
        self.window_active: Callable[[], bool] = lambda: True
        self._pending_owner: dict[str, str] = {}  # client_msg_id -> conversation id
        self._snapshot_seen = False
        self._queue_pending: dict[str, QueueItem | QueueRow | None] = {}  # None: removed
        self._prepared: tuple[QueueRow, ...] | None = None  # rows of the frame being handled
        self._queue_timer = QTimer(self)
        self._queue_timer.setSingleShot(True)
        self._queue_timer.setInterval(QUEUE_BATCH_MS)
        self._queue_timer.timeout.connect(self.flush_queue)

    # --- frames from the server -----------------------------------------------------------

    def handle(self, frame: Frame | Prepared) -> None:
        """Apply one server frame (connected to ``DeskConnection.frame_received``), as sent
        or as :func:`prepare_frame` made it."""
        if isinstance(frame, Prepared):
            self._prepared = frame.rows
            frame = frame.frame
        handler = self._handlers.get(type(frame))
        try:
            if handler is not None:
                handler(self, frame)
        finally:
            self._prepared = None

    def _rows_of(self, items: list[QueueItem]) -> list[QueueItem] | tuple[QueueRow, ...]:
        """The frame's items as prepared rows when the connection thread made them."""
        prepared = self._prepared
        return prepared if prepared is not None and len(prepared) == len(items) else items

    def _on_auth_ok(self, frame: AuthOk) -> None:
        self.agent = frame.agent
        self.authenticated.emit(frame.agent)

    def _on_agent_state(self, frame: AgentState) -> None:
        self.agent = frame.agent
        self.agent_changed.emit(frame.agent)

    def _on_agents_snapshot(self, frame: AgentsSnapshot) -> None:
        self.roster.reset(frame.agents)

    def _on_agents_updated(self, frame: AgentsUpdated) -> None:
        self.roster.update(frame.agent)

    def _learn_agents(self, items: list[QueueItem]) -> None:
        """Remember agents seen holding conversations (supervisors get those in the queue):
        a fallback for servers that send no ``agents.snapshot`` (the roster is preferred)."""
        for item in items:
            if item.assignee_id:
                self.known_agents[item.assignee_id] = item.assignee_name or item.assignee_id

    def _on_snapshot(self, frame: QueueSnapshot) -> None:
        self._learn_agents(frame.items)
        self._queue_pending.clear()
        self.queue.reset(self._rows_of(frame.items))
        self._snapshot_seen = True

    def _on_queue_updated(self, frame: QueueUpdated) -> None:
        item = frame.item
        self._learn_agents([item])
        cid = item.conversation_id
        known = cid in self.queue or self._queue_pending.get(cid) is not None
        self._defer_queue(cid, self._rows_of([item])[0])
        if not known and item.status == ConversationStatus.QUEUED:
            self.queue_arrival.emit(cid, item.contact_name)

    def _on_queue_removed(self, frame: QueueRemoved) -> None:
        self._defer_queue(frame.conversation_id, None)

    def _defer_queue(self, conversation_id: str, item: QueueItem | QueueRow | None) -> None:
        """Queue deltas are applied in batches, at most every :data:`QUEUE_BATCH_MS`.

        A busy queue sends a hundred changes a second; applied one by one, each would make the
        view repaint (≈10 ms for a screenful of rows), and the window would stutter. Batched,
        the table repaints a few times a second and still looks live.
        """
        self._queue_pending[conversation_id] = item
        if not self._queue_timer.isActive():
            self._queue_timer.start()

    def flush_queue(self) -> None:
        """Apply the deltas received since the last batch (also called before reading)."""
        self._queue_timer.stop()
        pending, self._queue_pending = self._queue_pending, {}
        if pending:
            self.queue.apply(pending.items())

    def _on_assigned(self, frame: ConversationAssigned) -> None:
        detail = frame.conversation
        cid = detail.conversation_id
        self.details[cid] = detail
        self._queue_pending.pop(cid, None)
        self.queue.remove(cid)
        transcript = self.transcripts.get(cid)
        if transcript is None:
            transcript = TranscriptModel(cid, self)
            self.transcripts[cid] = transcript
        transcript.extend(detail.transcript)
        last = detail.transcript[-1] if detail.transcript else None
        self.mine.add(
            cid,
            detail.contact.name,
            detail.channel,
            last_text=last.text if last else "",
            last_at=last.created_at if last else None,
        )
        self.conversation_opened.emit(cid, frame.how)

    def _on_unassigned(self, frame: ConversationUnassigned) -> None:
        cid = frame.conversation_id
        self.mine.remove(cid)
        self.suggestions.pop(cid, None)
        self.conversation_ended.emit(cid, frame.reason)
        self.transcripts.pop(cid, None)
        self.details.pop(cid, None)
        if self.current == cid:
            self.current = None

    def _on_message(self, frame: MessageFrame) -> None:
        message = frame.message
        cid = message.conversation_id
        transcript = self.transcripts.get(cid)
        if transcript is None or not transcript.add(message):
            return
        if message.client_msg_id:
            self._pending_owner.pop(message.client_msg_id, None)
        from_contact = message.sender == Sender.CONTACT
        unread = from_contact and not (self.current == cid and self.window_active())
        self.mine.note_message(cid, message.text, message.created_at, unread=unread)
        if from_contact:
            self.mine.set_typing(cid, False)
        self.message_added.emit(cid, message)

    def _on_ack(self, frame: Ack) -> None:
        cid = self._pending_owner.pop(frame.client_msg_id, frame.conversation_id)
        transcript = self.transcripts.get(cid)
        if transcript is not None:
            transcript.confirm(frame.client_msg_id, frame.seq)

    def _on_typing(self, frame: Typing) -> None:
        if frame.conversation_id and frame.conversation_id in self.transcripts:
            self.mine.set_typing(frame.conversation_id, frame.is_typing)
            self.contact_typing.emit(frame.conversation_id, frame.is_typing)

    def _on_status(self, frame: StatusChanged) -> None:
        self.conversation_status.emit(frame.conversation_id, frame.status.value)

    def _on_suggestions(self, frame: KnowledgeSuggestions) -> None:
        self.suggestions[frame.conversation_id] = list(frame.hits)
        self.suggestions_changed.emit(frame.conversation_id, list(frame.hits))

    def _on_results(self, frame: KnowledgeResults) -> None:
        self.search_results.emit(frame.request_id, list(frame.hits))

    def _on_submitted(self, frame: KnowledgeSubmitted) -> None:
        self.knowledge_submitted.emit(frame.request_id, frame.article_id, frame.status.value)

    def _on_error(self, frame: Error) -> None:
        self.error_received.emit(frame.code.value, frame.message, frame.ref or "")

    def _on_shutdown(self, frame: ServerShutdown) -> None:
        self.server_stopping.emit(frame.retry_after)

    _handlers: ClassVar[dict[type, Callable[[DeskController, object], None]]] = {
        AuthOk: _on_auth_ok,  # type: ignore[dict-item]
        AgentState: _on_agent_state,  # type: ignore[dict-item]
        AgentsSnapshot: _on_agents_snapshot,  # type: ignore[dict-item]
        AgentsUpdated: _on_agents_updated,  # type: ignore[dict-item]
        QueueSnapshot: _on_snapshot,  # type: ignore[dict-item]
        QueueUpdated: _on_queue_updated,  # type: ignore[dict-item]
        QueueRemoved: _on_queue_removed,  # type: ignore[dict-item]
        ConversationAssigned: _on_assigned,  # type: ignore[dict-item]
        ConversationUnassigned: _on_unassigned,  # type: ignore[dict-item]
        MessageFrame: _on_message,  # type: ignore[dict-item]
        Ack: _on_ack,  # type: ignore[dict-item]
        Typing: _on_typing,  # type: ignore[dict-item]
        StatusChanged: _on_status,  # type: ignore[dict-item]
        KnowledgeSuggestions: _on_suggestions,  # type: ignore[dict-item]
        KnowledgeResults: _on_results,  # type: ignore[dict-item]
        KnowledgeSubmitted: _on_submitted,  # type: ignore[dict-item]
        Error: _on_error,  # type: ignore[dict-item]
        ServerShutdown: _on_shutdown,  # type: ignore[dict-item]
    }

    # --- the agent's actions --------------------------------------------------------------

    def set_current(self, conversation_id: str | None) -> None:
        """The conversation now on screen; its unread count is cleared."""
        self.current = conversation_id
        if conversation_id is not None:
            self.mine.mark_read(conversation_id)

    def pick(self, conversation_id: str) -> None:
        self._sink.send(PickConversation(conversation_id=conversation_id))

    def send_message(self, conversation_id: str, text: str, *, internal: bool = False) -> str:
        """Send a reply (or an internal note); it shows at once as pending. Returns its id."""
        text = text.strip()
        if not text or conversation_id not in self.transcripts:
            return ""
        client_msg_id = new_id()
        author = self.agent.display_name if self.agent else ""
        self.transcripts[conversation_id].add_pending(
            client_msg_id, text, author=author, internal=internal
        )
        self._pending_owner[client_msg_id] = conversation_id
        self._sink.send(
            SendMessage(
                client_msg_id=client_msg_id,
                text=text,
                conversation_id=conversation_id,
                internal=internal,
            )
        )
        return client_msg_id

    def send_typing(self, conversation_id: str, is_typing: bool) -> None:
        self._sink.send(Typing(conversation_id=conversation_id, is_typing=is_typing))

    def transfer(
        self,
        conversation_id: str,
        *,
        to_agent_id: str | None = None,
        to_team: str | None = None,
        note: str = "",
    ) -> None:
        self._sink.send(
            TransferConversation(
                conversation_id=conversation_id,
                to_agent_id=to_agent_id,
                to_team=to_team,
                note=note[:200],
            )
        )

    def return_to_bot(self, conversation_id: str) -> None:
        self._sink.send(ReturnToBot(conversation_id=conversation_id))

    def close(self, conversation_id: str) -> None:
        self._sink.send(CloseConversation(conversation_id=conversation_id))

    def set_status(self, status: AgentStatus) -> None:
        self._sink.send(SetStatus(status=status))

    def search(self, query: str, request_id: str | None = None) -> str:
        """Ask the server's knowledge search; the answer comes as ``search_results``."""
        request_id = request_id or new_id()
        self._sink.send(SearchKnowledge(request_id=request_id, query=query[:500]))
        return request_id

    def submit_knowledge(self, frame: SubmitKnowledge) -> None:
        self._sink.send(frame)
