"""The desk's main window: queues on the left, conversations in the middle, knowledge right.

::

    ┌ 等待 (12) │ 我的 (3) ┐┌ handoff card ──────────────────┐┌ knowledge panel ┐
    │ filter…             ││ transcript                      ││ suggestions      │
    │ queue table / mine  ││ …                               ││ search           │
    │                     ││ composer              [发送]    ││                  │
    └─────────────────────┘└─────────────────────────────────┘└──────────────────┘
    status bar: ● 已连接 · 2 条待发送 · 会话 2/5 · [在线 ▾]

The knowledge panel (``views/knowledge_panel.py``) and the submit-knowledge dialog
(``dialogs/submit_knowledge.py``) are built separately; the window uses them when present and
shows a placeholder otherwise, so either side can land first.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desk_app.desk import theme
from desk_app.desk.attention import Attention
from desk_app.desk.controller import DeskController
from desk_app.desk.labels import error_text, one_line
from desk_app.desk.models.canned_model import CannedModel
from desk_app.desk.net import ConnectionState, DeskConnection
from desk_app.desk.resources import icon_path
from desk_app.desk.settings import DeskSettings
from desk_app.desk.shortcuts import keys_for
from desk_app.desk.views.conversation_view import ConversationView
from desk_app.desk.views.mine_view import MineView
from desk_app.desk.views.queue_view import QueueView
from desk_app.desk.views.status_widgets import ConnectionIndicator, StatusSwitch
from desk_app.protocol.messages import AgentInfo, AgentStatus, ArticleHit, Message, Sender

log = logging.getLogger(__name__)


def _knowledge_panel_class() -> Any | None:
    try:
        from desk_app.desk.views.knowledge_panel import KnowledgePanel
    except ImportError:
        return None
    return KnowledgePanel


def _submit_dialog_class() -> Any | None:
    try:
        from desk_app.desk.dialogs.submit_knowledge import SubmitKnowledgeDialog
    except ImportError:
        return None
    return SubmitKnowledgeDialog


class MainWindow(QMainWindow):
    """Wires the controller's models and signals to the views; owns the window's actions."""

    def __init__(
        self,
        controller: DeskController,
        connection: DeskConnection | None,
        settings: DeskSettings,
        *,
        canned: CannedModel | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle(self.tr("Agent Desk"))
        self.setWindowIcon(QIcon(str(icon_path("app"))))
        self.controller = controller
        self.connection = connection
        self.settings = settings
        self.canned = canned
        self.views: dict[str, ConversationView] = {}
        self._search_ids: set[str] = set()
        self.confirm_close = True  # tests and scripts may skip the question
        controller.window_active = self.isActiveWindow

        self._build_actions()
        self._build_menus()

        self.queue_view = QueueView(controller.queue, self)
        self.mine_view = MineView(controller.mine, self)
        self.left = QTabWidget(self)
        self.left.setObjectName("leftTabs")
        self.left.addTab(self.queue_view, "")
        self.left.addTab(self.mine_view, "")
        self.left.setMinimumWidth(300)

        self.stack = QStackedWidget(self)
        self.empty = QLabel(self.tr("Accept a waiting chat, or pick one of yours on the left."))
        self.empty.setObjectName("emptyState")
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.stack.addWidget(self.empty)

        panel_class = _knowledge_panel_class()
        self.knowledge: Any
        if panel_class is not None:
            self.knowledge = panel_class(self)
            if hasattr(self.knowledge, "search_started"):  # the panel picks request ids
                self.knowledge.search_started.connect(self._search_with_id)
            else:
                self.knowledge.search_requested.connect(self._search)
            self.knowledge.insert_requested.connect(self._insert_text)
            controller.search_results.connect(self._on_search_results)
        else:
            self.knowledge = QWidget(self)
            box = QVBoxLayout(self.knowledge)
            note = QLabel(self.tr("The knowledge panel is not installed."), self.knowledge)
            note.setTextFormat(Qt.TextFormat.PlainText)
            note.setWordWrap(True)
            box.addWidget(note)
            box.addStretch(1)
        self.knowledge.setObjectName("knowledgePane")
        self.knowledge.setMinimumWidth(240)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.left)
        self.splitter.addWidget(self.stack)
        self.splitter.addWidget(self.knowledge)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([430, 640, 320])
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)

        self._build_status_bar()
        self.attention = Attention(self, sound=settings.sound, notifications=settings.notifications)
        self.attention.activated.connect(self._raise)

        # --- wiring -----------------------------------------------------------------------
        self.queue_view.accept_requested.connect(controller.pick)
        self.mine_view.conversation_chosen.connect(self.show_conversation)
        controller.conversation_opened.connect(self._on_conversation_opened)
        controller.conversation_ended.connect(self._on_conversation_ended)
        controller.queue_arrival.connect(self._on_queue_arrival)
        controller.message_added.connect(self._on_message_added)
        controller.suggestions_changed.connect(self._on_suggestions)
        controller.knowledge_submitted.connect(self._on_knowledge_submitted)
        controller.error_received.connect(self._on_error)
        controller.authenticated.connect(self._on_agent)
        controller.agent_changed.connect(self._on_agent)
        controller.server_stopping.connect(self._on_server_stopping)
        # Counts in tab titles, tray and window title change with every queue delta (up to
        # hundreds a second): coalesce them, since retitling relayouts the tab bar each time.
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(200)
        self._counts_timer.timeout.connect(self._update_counts)
        for signal in (
            controller.queue.rowsInserted,
            controller.queue.rowsRemoved,
            controller.queue.modelReset,
            controller.mine.rowsInserted,
            controller.mine.rowsRemoved,
            controller.mine.dataChanged,
        ):
            signal.connect(self._schedule_counts)
        if connection is not None:
            connection.state_changed.connect(self._on_connection_state)
            connection.outbox_changed.connect(self._on_outbox)
            self._on_connection_state(connection.state.value)
        if controller.agent is not None:
            self._on_agent(controller.agent)
        for cid in controller.mine.conversation_ids():  # assigned before the window existed
            self._on_conversation_opened(cid, "resumed")
        self._update_counts()
        self._update_actions()
        geometry, state = settings.window_state()
        if geometry:
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 860)
        if state:
            self.restoreState(state)

    # --- construction ---------------------------------------------------------------------

    def _action(self, name: str, text: str, slot: Any, *, icon: str | None = None) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(keys_for(name)))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if icon:
            action.setIcon(QIcon(str(icon_path(icon))))
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.accept_action = self._action(
            "accept", self.tr("Accept next chat"), self.accept_next, icon="accept"
        )
        self.note_action = self._action(
            "note", self.tr("Internal note"), self._toggle_note, icon="note"
        )
        self.note_action.setCheckable(True)
        self.transfer_action = self._action(
            "transfer", self.tr("Transfer…"), self.transfer_current, icon="transfer"
        )
        self.return_action = self._action(
            "return_to_bot", self.tr("Return to bot"), self.return_current, icon="bot"
        )
        self.close_action = self._action(
            "close", self.tr("Close"), self.close_current, icon="close"
        )
        self.submit_action = self._action(
            "submit_knowledge",
            self.tr("Submit as knowledge…"),
            self.submit_knowledge,
            icon="knowledge",
        )
        self.search_action = self._action(
            "search_knowledge", self.tr("Search knowledge"), self._focus_search
        )
        self.queue_action = self._action("queue", self.tr("Waiting queue"), self._show_queue)
        self.mine_action = self._action("mine", self.tr("My conversations"), self._show_mine)
        self.next_action = self._action("next", self.tr("Next conversation"), self._next)
        self.previous_action = self._action(
            "previous", self.tr("Previous conversation"), self._previous
        )
        self.filter_action = self._action("filter", self.tr("Filter the queue"), self._focus_filter)
        self.away_action = self._action("away", self.tr("Online / away"), self._toggle_away)
        self.settings_action = self._action("settings", self.tr("Settings…"), self.open_settings)
        self.help_action = self._action("help", self.tr("Keyboard shortcuts"), self.show_shortcuts)
        self.dark_action = QAction(self.tr("Dark theme"), self)
        self.dark_action.setCheckable(True)
        self.dark_action.setChecked(theme.current_theme() == "dark")
        self.dark_action.toggled.connect(self._set_dark)
        self.quit_action = QAction(self.tr("Quit"), self)
        self.quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        self.quit_action.triggered.connect(self.close)
        self.logout_action = QAction(self.tr("Sign out"), self)
        self.logout_action.triggered.connect(self.sign_out)
        self.conversation_actions = [
            self.note_action,
            self.transfer_action,
            self.return_action,
            self.close_action,
            self.submit_action,
        ]

    def _build_menus(self) -> None:
        bar = self.menuBar()
        desk = bar.addMenu(self.tr("&Desk"))
        desk.addAction(self.away_action)
        desk.addAction(self.settings_action)
        desk.addSeparator()
        desk.addAction(self.logout_action)
        desk.addAction(self.quit_action)
        conv = bar.addMenu(self.tr("&Conversation"))
        conv.addAction(self.accept_action)
        conv.addSeparator()
        for action in self.conversation_actions:
            conv.addAction(action)
        conv.addSeparator()
        conv.addAction(self.next_action)
        conv.addAction(self.previous_action)
        view = bar.addMenu(self.tr("&View"))
        for action in (self.queue_action, self.mine_action, self.filter_action, self.search_action):
            view.addAction(action)
        view.addSeparator()
        view.addAction(self.dark_action)
        help_menu = bar.addMenu(self.tr("&Help"))
        help_menu.addAction(self.help_action)
        group = QActionGroup(self)  # keeps exclusive toggles tidy if more themes come
        group.addAction(self.dark_action)
        group.setExclusive(False)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.indicator = ConnectionIndicator(self)
        self.outbox_label = QLabel("", self)
        self.outbox_label.setObjectName("outboxLabel")
        self.outbox_label.setTextFormat(Qt.TextFormat.PlainText)
        self.capacity_label = QLabel("", self)
        self.capacity_label.setObjectName("capacityLabel")
        self.capacity_label.setTextFormat(Qt.TextFormat.PlainText)
        self.agent_label = QLabel("", self)
        self.agent_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_switch = StatusSwitch(self)
        self.status_switch.status_chosen.connect(
            lambda s: self.controller.set_status(AgentStatus(s))
        )
        bar.addPermanentWidget(self.outbox_label)
        bar.addPermanentWidget(self.indicator)
        bar.addPermanentWidget(self.capacity_label)
        bar.addPermanentWidget(self.agent_label)
        bar.addPermanentWidget(self.status_switch)

    # --- conversations --------------------------------------------------------------------

    def current_view(self) -> ConversationView | None:
        widget = self.stack.currentWidget()
        return widget if isinstance(widget, ConversationView) else None

    def accept_next(self) -> None:
        """Ctrl+Enter: accept the selected waiting chat, or the first in the queue's order."""
        self.controller.flush_queue()  # act on the queue as it is now, not 200 ms ago
        cid = self.queue_view.selected_or_first()
        if cid:
            self.controller.pick(cid)
        else:
            self.statusBar().showMessage(self.tr("Nobody is waiting."), 4000)

    def _on_conversation_opened(self, cid: str, how: str) -> None:
        view = self.views.get(cid)
        if view is None:
            view = ConversationView(
                self.controller,
                cid,
                actions=self.conversation_actions,
                canned=self.canned,
                parent=self.stack,
            )
            self.views[cid] = view
            self.stack.addWidget(view)
        elif cid in self.controller.details:
            view.card.show_detail(self.controller.details[cid])
        detail = self.controller.details.get(cid)
        name = detail.contact.name if detail else ""
        if how in ("picked",) or self.current_view() is None:
            self.show_conversation(cid)
        if how in ("auto", "transfer"):
            title = (
                self.tr("New chat assigned to you")
                if how == "auto"
                else self.tr("Chat transferred to you")
            )
            self.attention.notify(title, one_line(name, 40) or self.tr("Customer"))
        self._update_counts()

    def _on_conversation_ended(self, cid: str, reason: str) -> None:
        view = self.views.pop(cid, None)
        was_current = view is not None and view is self.current_view()
        if view is not None:
            self.stack.removeWidget(view)
            view.deleteLater()
        if hasattr(self.knowledge, "forget_conversation"):
            self.knowledge.forget_conversation(cid)
        texts = {
            "closed": self.tr("Conversation closed."),
            "transferred": self.tr("Conversation transferred."),
            "returned_to_bot": self.tr("Conversation returned to the bot."),
            "grace_expired": self.tr("Conversation went back to the queue."),
            "ended_by_contact": self.tr("The customer ended the conversation."),
        }
        self.statusBar().showMessage(texts.get(reason, reason), 6000)
        if reason == "ended_by_contact":
            self.attention.notify(self.tr("Conversation ended"), texts[reason])
        if was_current:
            remaining = self.controller.mine.conversation_ids()
            if remaining:
                self.show_conversation(remaining[0])
            else:
                self.stack.setCurrentWidget(self.empty)
                self.controller.set_current(None)
                if hasattr(self.knowledge, "set_current_conversation"):
                    self.knowledge.set_current_conversation(None)
                self._update_actions()
        self._update_counts()

    def show_conversation(self, cid: str) -> None:
        view = self.views.get(cid)
        if view is None:
            return
        self.stack.setCurrentWidget(view)
        self.controller.set_current(cid)
        self.mine_view.select_conversation(cid)
        self.note_action.blockSignals(True)
        self.note_action.setChecked(view.note_mode)
        self.note_action.blockSignals(False)
        if hasattr(self.knowledge, "set_current_conversation"):
            self.knowledge.set_current_conversation(cid)
        elif hasattr(self.knowledge, "show_suggestions"):
            self.knowledge.show_suggestions(cid, self.controller.suggestions.get(cid, []))
        self._update_actions()
        view.focus_composer()

    def _update_actions(self) -> None:
        has = self.current_view() is not None
        for action in self.conversation_actions:
            action.setEnabled(has)
        self.submit_action.setEnabled(has and _submit_dialog_class() is not None)

    def _cycle(self, step: int) -> None:
        ids = self.controller.mine.conversation_ids()
        if not ids:
            return
        current = self.controller.current
        position = ids.index(current) if current in ids else -step
        self.show_conversation(ids[(position + step) % len(ids)])

    def _next(self) -> None:
        self._cycle(1)

    def _previous(self) -> None:
        self._cycle(-1)

    def _toggle_note(self, on: bool) -> None:
        view = self.current_view()
        if view is not None:
            view.set_note_mode(on)
            view.focus_composer()

    def transfer_current(self) -> None:
        view = self.current_view()
        if view is None:
            return
        from desk_app.desk.dialogs.transfer import TransferDialog

        agent = self.controller.agent
        roster = self.controller.roster
        teams = sorted(set(agent.teams if agent else []) | set(roster.teams()))
        me = agent.id if agent else ""
        if len(roster):
            dialog = TransferDialog(teams=teams, roster=roster, me=me, parent=self)
        else:  # an older server without agents.snapshot: agents seen in the queue
            others = sorted(
                ((aid, name) for aid, name in self.controller.known_agents.items() if aid != me),
                key=lambda pair: pair[1],
            )
            dialog = TransferDialog(teams=teams, agents=others, parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            to_agent, to_team, note = dialog.destination()
            self.controller.transfer(
                view.conversation_id, to_agent_id=to_agent, to_team=to_team, note=note
            )

    def return_current(self) -> None:
        view = self.current_view()
        if view is not None:
            self.controller.return_to_bot(view.conversation_id)

    def close_current(self) -> None:
        view = self.current_view()
        if view is None:
            return
        if self.confirm_close:
            answer = QMessageBox.question(
                self,
                self.tr("Close conversation"),
                self.tr("Close this conversation? The customer can then rate the service."),
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.controller.close(view.conversation_id)

    def submit_knowledge(self) -> None:
        """Ctrl+K: the selected messages (or the whole transcript) into the submit dialog."""
        view = self.current_view()
        dialog_class = _submit_dialog_class()
        if view is None or dialog_class is None:
            return
        messages = (
            view.selected_messages() or self.controller.transcripts[view.conversation_id].messages()
        )
        dialog = dialog_class(messages, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            from desk_app.desk.controller import new_id

            frame = dialog.frame(new_id())
            self.controller.submit_knowledge(frame)
            self.statusBar().showMessage(self.tr("Submitting the article for review…"), 4000)

    # --- knowledge ------------------------------------------------------------------------

    def _search(self, query: str) -> None:
        self._search_ids.add(self.controller.search(query))

    def _search_with_id(self, request_id: str, query: str) -> None:
        self._search_ids.add(self.controller.search(query, request_id))

    def _on_search_results(self, request_id: str, hits: list[ArticleHit]) -> None:
        if request_id in self._search_ids:
            self._search_ids.discard(request_id)
            self.knowledge.show_results(request_id, hits)

    def _on_suggestions(self, cid: str, hits: list[ArticleHit]) -> None:
        """Every conversation's suggestions go to the panel, which shows the current one's."""
        panel_filters = hasattr(self.knowledge, "set_current_conversation")
        show = getattr(self.knowledge, "show_suggestions", None)
        if show is not None and (panel_filters or cid == self.controller.current):
            show(cid, hits)

    def _insert_text(self, text: str) -> None:
        view = self.current_view()
        if view is not None:
            view.composer.insert_text(text)

    def _on_knowledge_submitted(self, _request_id: str, _article_id: str, status: str) -> None:
        self.statusBar().showMessage(
            self.tr("Thank you: the article was submitted and waits for review."), 6000
        )

    def _focus_search(self) -> None:
        focus = getattr(self.knowledge, "focus_search", None)
        if callable(focus):
            focus()

    # --- attention ------------------------------------------------------------------------

    def _on_queue_arrival(self, _cid: str, name: str) -> None:
        agent = self.controller.agent
        if agent is not None and agent.status != AgentStatus.ONLINE:
            return
        shown = one_line(name, 40) or self.tr("Customer")
        self.attention.notify(self.tr("A customer is waiting"), shown)

    def _on_message_added(self, cid: str, message: Message) -> None:
        if message.sender == Sender.CONTACT and not self.isActiveWindow():
            detail = self.controller.details.get(cid)
            name = one_line(detail.contact.name, 40) if detail else ""
            self.attention.notify(name or self.tr("Customer"), one_line(message.text, 80))

    def _schedule_counts(self, *_args: object) -> None:
        if not self._counts_timer.isActive():
            self._counts_timer.start()

    def _update_counts(self, *_args: object) -> None:
        waiting = len(self.controller.queue)
        unread = self.controller.mine.unread_total()
        held = len(self.controller.mine)
        mine = self.tr("Mine (%1)").replace("%1", str(held))
        if unread:
            mine += " · " + self.tr("%n unread", "", unread)
        for tab, text in ((0, self.tr("Waiting (%1)").replace("%1", str(waiting))), (1, mine)):
            if self.left.tabText(tab) != text:  # a new title relayouts and repaints the tab bar
                self.left.setTabText(tab, text)
        self.attention.set_unread(unread) if hasattr(self, "attention") else None
        title = self.tr("Agent Desk")
        self.setWindowTitle(f"({unread}) {title}" if unread else title)

    # --- agent and connection -------------------------------------------------------------

    def _on_agent(self, agent: AgentInfo) -> None:
        self.status_switch.show_status(agent.status.value)
        self.capacity_label.setText(
            self.tr("Chats %1/%2")
            .replace("%1", str(agent.open_conversations))
            .replace("%2", str(agent.capacity))
        )
        self.agent_label.setText(agent.display_name or agent.username)

    def _toggle_away(self) -> None:
        self.status_switch.toggle()

    def _on_connection_state(self, state: str) -> None:
        self.indicator.set_state(state)
        self.accept_action.setEnabled(state == ConnectionState.ONLINE.value)
        if state == ConnectionState.OFFLINE.value:
            self.statusBar().showMessage(
                self.tr("Connection lost. Reconnecting; what you type will be sent when back."),
                8000,
            )

    def _on_outbox(self, count: int) -> None:
        self.outbox_label.setText(
            self.tr("%n message(s) waiting to be sent", "", count) if count else ""
        )

    def _on_server_stopping(self, retry_after: int) -> None:
        self.statusBar().showMessage(
            self.tr("The server is restarting; reconnecting shortly."), 8000
        )

    def _on_error(self, code: str, message: str, _ref: str) -> None:
        self.statusBar().showMessage(error_text(code, message), 8000)

    def _raise(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    # --- views, settings, help ------------------------------------------------------------

    def _show_queue(self) -> None:
        self.left.setCurrentWidget(self.queue_view)
        self.queue_view.table.setFocus()

    def _show_mine(self) -> None:
        self.left.setCurrentWidget(self.mine_view)
        self.mine_view.setFocus()

    def _focus_filter(self) -> None:
        self._show_queue()
        self.queue_view.filter.setFocus()
        self.queue_view.filter.selectAll()

    def _set_dark(self, dark: bool) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, "dark" if dark else "light")
            self.settings.theme = theme.current_theme()
            for view in self.views.values():
                view.transcript.message_delegate.clear_cache()
                view.transcript.viewport().update()
            self.queue_view.delegate.forget_colors()
            self.queue_view.table.viewport().update()

    def open_settings(self) -> None:
        from desk_app.desk.dialogs.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        theme_changed, language_changed = dialog.apply()
        if theme_changed:
            self.dark_action.setChecked(self.settings.theme == "dark")
        self.attention.sound = self.settings.sound
        self.attention.notifications = self.settings.notifications
        if language_changed:
            QMessageBox.information(
                self,
                self.tr("Language"),
                self.tr("The new language applies after you restart the desk."),
            )

    def show_shortcuts(self) -> None:
        from desk_app.desk.dialogs.shortcuts_dialog import ShortcutsDialog

        ShortcutsDialog(self).exec()

    def sign_out(self) -> None:
        """Forget the remembered token and quit (the next start asks for the password)."""
        from desk_app.desk.settings import TokenVault

        TokenVault().forget(self.settings.server_url, self.settings.username)
        self.settings.remember = False
        if self.connection is not None:
            self.connection.logout()
        self.close()

    def changeEvent(self, event: QEvent) -> None:
        active = event.type() == QEvent.Type.ActivationChange and self.isActiveWindow()
        if active and self.controller.current:
            self.controller.mine.mark_read(self.controller.current)
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        held = len(self.controller.mine)
        if held and self.confirm_close:
            answer = QMessageBox.question(
                self,
                self.tr("Quit"),
                self.tr(
                    "You hold %n conversation(s). If you quit, they go back to the queue "
                    "after the grace period. Quit anyway?",
                    "",
                    held,
                ),
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.settings.save_window_state(bytes(self.saveGeometry()), bytes(self.saveState()))
        self.attention.hide()
        super().closeEvent(event)
