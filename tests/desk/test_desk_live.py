"""The desk against a real server (serve_in_thread, real SQLite) and real websockets customers.

Each test signs a fresh agent in through :class:`DeskApp` (the same path as ``desk app``),
drives the real widgets with pytest-qt and waits on conditions, never on sleeps.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from desk_app.desk.app import DeskApp
from desk_app.desk.models.roles import ConversationIdRole
from desk_app.desk.net import ConnectionState
from desk_app.desk.settings import DeskSettings, TokenVault
from desk_app.desk.views.main_window import MainWindow
from desk_app.protocol.messages import (
    AgentStatus,
    ConversationStatus,
    KnowledgeSubmitted,
    Sender,
    StatusChanged,
)

from .conftest import PASSWORD, TIMEOUT_MS, Customer, LiveServer, wait
from .factories import XSS


@pytest.fixture
def customers(live_server: LiveServer) -> Iterator[list[Customer]]:
    made: list[Customer] = []
    yield made
    for customer in made:
        customer.close()


def sign_in(
    qtbot: Any, server: LiveServer, settings: DeskSettings, desks: list[DeskApp], username: str
) -> tuple[DeskApp, MainWindow]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    desk = DeskApp(app, settings, vault=TokenVault(), language="en")
    desks.append(desk)
    desk.login_with_password(server.url, username, PASSWORD, False)
    wait(qtbot, lambda: desk.window is not None, timeout=TIMEOUT_MS)
    assert desk.window is not None
    desk.window.confirm_close = False
    return desk, desk.window


def new_customer(
    server: LiveServer, customers: list[Customer], name: str, **profile: str
) -> Customer:
    customer = Customer(server)
    customers.append(customer)
    customer.start(name, profile or None)
    return customer


def hand_off(qtbot: Any, customer: Customer, question: str) -> None:
    """The customer asks the bot something, gets an answer, then asks for a person."""
    customer.say(question)
    wait(qtbot, lambda: customer.messages(lambda m: m.sender == Sender.BOT), timeout=TIMEOUT_MS)
    customer.say("转人工")
    wait(
        qtbot,
        lambda: any(
            isinstance(f, StatusChanged)
            and f.status in (ConversationStatus.QUEUED, ConversationStatus.ASSIGNED)
            for f in customer.frames
        ),
        timeout=TIMEOUT_MS,
    )


def go_away(qtbot: Any, desk: DeskApp, window: MainWindow) -> None:
    """Away: no automatic assignments, so a handed-off chat stays in the queue to be picked."""
    window.status_switch.toggle()
    wait(
        qtbot,
        lambda: (
            desk.controller is not None
            and desk.controller.agent is not None
            and desk.controller.agent.status == AgentStatus.AWAY
        ),
        timeout=TIMEOUT_MS,
    )


def queue_row(window: MainWindow, cid: str) -> QModelIndex | None:
    proxy = window.queue_view.proxy
    for row in range(proxy.rowCount()):
        index = proxy.index(row, 0)
        if index.data(ConversationIdRole) == cid:
            return index
    return None


def shown_texts(window: MainWindow, cid: str) -> list[str]:
    """Every transcript row's text exactly as its bubble displays it."""
    view = window.views[cid]
    model = view.transcript.model()
    delegate = view.transcript.message_delegate
    return [delegate.displayed_text(model.index(r, 0)) for r in range(model.rowCount())]


def accept_from_queue(qtbot: Any, desk: DeskApp, window: MainWindow, cid: str) -> None:
    wait(qtbot, lambda: queue_row(window, cid) is not None, timeout=TIMEOUT_MS)
    window.left.setCurrentWidget(window.queue_view)
    table = window.queue_view.table
    index = queue_row(window, cid)
    assert index is not None
    table.setCurrentIndex(index)
    qtbot.keyClick(table, Qt.Key.Key_Return)  # one key accepts
    wait(qtbot, lambda: cid in window.views, timeout=TIMEOUT_MS)


def test_handoff_appears_in_queue_is_accepted_and_the_reply_reaches_the_customer(
    qtbot: Any,
    live_server: LiveServer,
    desk_settings: DeskSettings,
    customers: list[Customer],
    desks: list[DeskApp],
) -> None:
    username = live_server.new_agent(display_name="李娜")
    desk, window = sign_in(qtbot, live_server, desk_settings, desks, username)
    assert window.indicator.state == ConnectionState.ONLINE
    go_away(qtbot, desk, window)

    customer = new_customer(live_server, customers, "王先生", city="杭州")
    cid = customer.conversation_id
    hand_off(qtbot, customer, "你好，请问退款多久到账？")

    # the handed-off chat appears in the waiting queue, with the customer's name
    wait(qtbot, lambda: queue_row(window, cid) is not None, timeout=TIMEOUT_MS)
    index = queue_row(window, cid)
    assert index is not None
    assert index.data() == "王先生"
    accept_from_queue(qtbot, desk, window, cid)
    assert queue_row(window, cid) is None
    assert window.current_view() is window.views[cid]

    # the transcript shows every bot turn the customer saw, in order, from the first
    bot_turns = [m.text for m in customer.messages(lambda m: m.sender == Sender.BOT)]
    assert bot_turns
    texts = shown_texts(window, cid)
    shown_bot = [t for t in texts if t.startswith("Bot")]
    assert [t.split("\n", 1)[1] for t in shown_bot] == bot_turns
    assert any(t.endswith("你好，请问退款多久到账？") for t in texts)
    assert window.views[cid].card.title.text().startswith("王先生")

    # the agent replies with Enter; the customer receives it, once
    composer = window.views[cid].composer
    composer.setFocus()
    composer.insertPlainText("您好，我是李娜，退款一般 1-3 个工作日到账。")
    qtbot.keyClick(composer, Qt.Key.Key_Return)
    wait(qtbot, lambda: customer.messages(lambda m: m.sender == Sender.AGENT), timeout=TIMEOUT_MS)
    replies = customer.messages(lambda m: m.sender == Sender.AGENT)
    assert [m.text for m in replies] == ["您好，我是李娜，退款一般 1-3 个工作日到账。"]
    transcript = desk.controller.transcripts[cid]  # type: ignore[union-attr]
    wait(qtbot, lambda: transcript.pending_count() == 0, timeout=TIMEOUT_MS)

    # an internal note stays among agents
    window.note_action.trigger()
    composer.insertPlainText("老客户，语气注意")
    qtbot.keyClick(composer, Qt.Key.Key_Return)
    wait(
        qtbot,
        lambda: any(m.sender == Sender.NOTE for m in transcript.messages()),
        timeout=TIMEOUT_MS,
    )
    wait(qtbot, lambda: transcript.pending_count() == 0, timeout=TIMEOUT_MS)
    assert not customer.messages(lambda m: m.sender == Sender.NOTE)
    window.note_action.trigger()

    # markup from the customer is shown as the literal characters
    customer.say(XSS)
    wait(qtbot, lambda: any(t.endswith(XSS) for t in shown_texts(window, cid)), timeout=TIMEOUT_MS)
    assert XSS in [t.split("\n", 1)[1] for t in shown_texts(window, cid)]

    # close: the conversation leaves the desk
    window.close_action.trigger()
    wait(qtbot, lambda: cid not in window.views, timeout=TIMEOUT_MS)
    assert cid not in desk.controller.mine  # type: ignore[union-attr]


def test_auto_assigned_chat_opens_with_a_notification_and_suggestions(
    qtbot: Any,
    live_server: LiveServer,
    desk_settings: DeskSettings,
    customers: list[Customer],
    desks: list[DeskApp],
) -> None:
    username = live_server.new_agent(display_name="张伟", capacity=10)
    desk, window = sign_in(qtbot, live_server, desk_settings, desks, username)
    customer = new_customer(live_server, customers, "赵敏")
    cid = customer.conversation_id
    hand_off(qtbot, customer, "你们几点下班？")
    wait(qtbot, lambda: cid in window.views, timeout=TIMEOUT_MS)
    assert any(title == "New chat assigned to you" for title, _ in window.attention.shown)
    assert desk.controller is not None

    if live_server.knowledge is None:
        pytest.skip("no knowledge service installed: suggestions need it")
    customer.say("退货运费谁出？")
    wait(qtbot, lambda: bool(desk.controller.suggestions.get(cid)), timeout=TIMEOUT_MS)
    panel = window.knowledge
    window.show_conversation(cid)
    wait(qtbot, lambda: panel.model.rowCount() > 0, timeout=TIMEOUT_MS)
    titles = [panel.model.index(r, 0).data() for r in range(panel.model.rowCount())]
    assert any("运费" in str(t) or "退货" in str(t) for t in titles), titles


def test_knowledge_submission_arrives_masked(
    qtbot: Any,
    live_server: LiveServer,
    desk_settings: DeskSettings,
    customers: list[Customer],
    desks: list[DeskApp],
) -> None:
    if live_server.knowledge is None:
        pytest.skip("no knowledge service installed")
    username = live_server.new_agent(display_name="王芳")
    desk, window = sign_in(qtbot, live_server, desk_settings, desks, username)
    customer = new_customer(live_server, customers, "钱先生")
    cid = customer.conversation_id
    hand_off(qtbot, customer, "发票怎么开？")
    wait(qtbot, lambda: cid in window.views, timeout=TIMEOUT_MS)
    customer.say("我要开公司抬头的发票，我的手机 13812345678，邮箱 qian@example.com")
    transcript = desk.controller.transcripts[cid]  # type: ignore[union-attr]
    wait(
        qtbot,
        lambda: any("13812345678" in m.text for m in transcript.messages()),
        timeout=TIMEOUT_MS,
    )
    view = window.views[cid]
    view.composer.insertPlainText(
        "在订单详情页点“申请发票”，填写抬头和税号即可，电子发票发到邮箱。"
    )
    qtbot.keyClick(view.composer, Qt.Key.Key_Return)
    wait(qtbot, lambda: transcript.pending_count() == 0, timeout=TIMEOUT_MS)

    # select the customer's question and the agent's answer, then Ctrl+K
    view.transcript.clearSelection()
    selection = view.transcript.selectionModel()
    for row in range(transcript.rowCount()):
        message, _ = transcript.entry(row)
        if "13812345678" in message.text or message.sender == Sender.AGENT:
            selection.select(transcript.index(row, 0), selection.SelectionFlag.Select)
    submitted: list[KnowledgeSubmitted] = []
    desk.controller.knowledge_submitted.connect(  # type: ignore[union-attr]
        lambda rid, aid, status: submitted.append((rid, aid, status))  # type: ignore[arg-type]
    )

    def accept_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QDialog)
        shown = dialog.findChildren(object)
        assert shown  # the dialog is up
        dialog.accept()

    QTimer.singleShot(0, accept_dialog)
    window.submit_action.trigger()
    wait(qtbot, lambda: bool(submitted), timeout=TIMEOUT_MS)
    _, article_id, status = submitted[0]  # type: ignore[misc]
    assert status == "pending_review"

    from desk_app.store import articles as repo

    article = live_server.store.read_sync(lambda s: repo.get_article(s, article_id))
    stored = " ".join([article.title, article.answer, *article.questions])
    assert "13812345678" not in stored
    assert "qian@example.com" not in stored
    assert "发票" in stored


def test_dropped_connection_and_server_restart_lose_nothing_and_double_nothing(
    qtbot: Any,
    tmp_path: Any,
    desk_settings: DeskSettings,
    desks: list[DeskApp],
) -> None:
    server = LiveServer(f"sqlite:///{tmp_path / 'restart.sqlite3'}")
    server.start()
    customer = Customer(server)
    try:
        username = server.new_agent(display_name="刘洋")
        desk, window = sign_in(qtbot, server, desk_settings, desks, username)
        connection, controller = desk.connection, desk.controller
        assert connection is not None
        assert controller is not None
        customer.start("孙女士")
        cid = customer.conversation_id
        hand_off(qtbot, customer, "我的快递到哪了？")
        wait(qtbot, lambda: cid in window.views, timeout=TIMEOUT_MS)
        transcript = controller.transcripts[cid]

        # 1. the socket drops (as a network failure would); the desk reconnects by itself
        connection.drop()
        wait(qtbot, lambda: connection.state != ConnectionState.ONLINE, timeout=TIMEOUT_MS)
        customer.say("在吗？")  # while the desk is away
        wait(qtbot, lambda: connection.state == ConnectionState.ONLINE, timeout=TIMEOUT_MS)
        wait(
            qtbot,
            lambda: any(m.text == "在吗？" for m in transcript.messages()),
            timeout=TIMEOUT_MS,
        )

        # 2. the server stops; the agent types while offline; the server comes back
        server.stop()
        wait(
            qtbot, lambda: window.indicator.state != ConnectionState.ONLINE
        )  # the status bar says so
        controller.send_message(cid, "网络刚才断了，我还在，正在帮您查。")
        assert transcript.pending_count() == 1
        server.start()  # same port, same database
        wait(qtbot, lambda: connection.state == ConnectionState.ONLINE, timeout=TIMEOUT_MS * 2)
        wait(qtbot, lambda: transcript.pending_count() == 0, timeout=TIMEOUT_MS)

        # the customer comes back too and catches up from the last seq it saw
        customer.resume()
        wait(
            qtbot,
            lambda: customer.messages(lambda m: m.text == "网络刚才断了，我还在，正在帮您查。"),
            timeout=TIMEOUT_MS,
        )
        customer.say("好的，谢谢")
        wait(
            qtbot,
            lambda: any(m.text == "好的，谢谢" for m in transcript.messages()),
            timeout=TIMEOUT_MS,
        )

        # nothing lost, nothing twice: on the desk and at the customer
        seqs = [m.seq for m in transcript.messages()]
        assert seqs == list(range(1, len(seqs) + 1)), seqs
        offline = [m for m in transcript.messages() if m.text.startswith("网络刚才断了")]
        assert len(offline) == 1
        received = customer.messages(lambda m: m.text.startswith("网络刚才断了"))
        assert len({m.seq for m in received}) == 1
        assert [t for t in shown_texts(window, cid) if t.endswith("好的，谢谢")]
        assert len([m for m in transcript.messages() if m.text == "在吗？"]) == 1
    finally:
        customer.close()
        server.close()


def test_transfer_to_a_team_and_return_to_the_bot(
    qtbot: Any,
    live_server: LiveServer,
    desk_settings: DeskSettings,
    customers: list[Customer],
    desks: list[DeskApp],
) -> None:
    from desk_app.desk.dialogs.transfer import TransferDialog

    from .conftest import StaffClient

    username = live_server.new_agent(display_name="周杰", capacity=10)
    _desk, window = sign_in(qtbot, live_server, desk_settings, desks, username)

    # transfer: the dialog names the team; the conversation leaves this desk for the VIP team
    first = new_customer(live_server, customers, "吴先生")
    hand_off(qtbot, first, "会员积分怎么兑换？")
    wait(qtbot, lambda: first.conversation_id in window.views)
    vip = StaffClient(live_server)  # signs in after: the first conversation went to this desk
    vip.login(live_server.new_agent(display_name="VIP组", teams=("VIP",), capacity=1))
    window.show_conversation(first.conversation_id)

    def fill_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, TransferDialog)
        dialog.to_team.setChecked(True)
        dialog.team.setCurrentText("VIP")
        dialog.note.setText("金卡会员，积分问题")
        dialog.accept()

    QTimer.singleShot(0, fill_dialog)
    window.transfer_action.trigger()
    wait(qtbot, lambda: first.conversation_id not in window.views)
    wait(qtbot, lambda: vip.holds(first.conversation_id))

    # return to bot: the customer's next question is answered by the bot again
    second = new_customer(live_server, customers, "郑女士")
    hand_off(qtbot, second, "优惠券为什么用不了？")
    wait(qtbot, lambda: second.conversation_id in window.views)
    window.show_conversation(second.conversation_id)
    window.return_action.trigger()
    wait(qtbot, lambda: second.conversation_id not in window.views)
    before = len(second.messages(lambda m: m.sender == Sender.BOT))
    second.say("退款多久能到账？")
    wait(qtbot, lambda: len(second.messages(lambda m: m.sender == Sender.BOT)) > before)
