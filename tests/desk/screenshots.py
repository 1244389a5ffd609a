"""Screenshots of the desk's main screens for the guide and the README.

Run under Xvfb with Chinese fonts (CI installs ``xvfb`` and ``fonts-noto-cjk``)::

    xvfb-run -a -s "-screen 0 1600x1000x24" python tests/desk/screenshots.py            # zh_CN
    xvfb-run -a -s "-screen 0 1600x1000x24" python tests/desk/screenshots.py --lang en

It sets up what ``desk demo`` does, but deterministically: a real server with the sample
knowledge base, an agent, customers who chat with the bot and ask for a person; then it signs
the real desk in and grabs each screen with ``QWidget.grab()`` into ``docs/screenshots/``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

OUT = REPO / "docs" / "screenshots"
PASSWORD = "shot-desk-123"
TIMEOUT = 30.0


def pump(condition: Callable[[], Any], timeout: float = TIMEOUT) -> None:
    """Run the Qt event loop until ``condition()`` holds."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("screenshot setup: condition not met")
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def settle(seconds: float = 0.6) -> None:
    end = time.monotonic() + seconds
    pump(lambda: time.monotonic() > end, seconds + 5)


class Customer:
    """A websockets customer whose coroutines run on the server's loop."""

    def __init__(self, running: Any) -> None:
        self.running = running
        self.frames: list[Any] = []
        self.conversation_id = ""
        self.ws: Any = None
        self.reader: Any = None

    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.running.loop).result(TIMEOUT)

    def start(self, name: str, profile: dict[str, str], channel: str = "web") -> None:
        from desk_app.protocol.messages import (
            ConversationStarted,
            StartConversation,
            encode,
            parse_server_frame,
        )

        async def go() -> None:
            from websockets.asyncio.client import connect

            self.ws = await connect(self.running.customer_url)
            start = StartConversation(name=name, profile=profile, channel=channel)  # type: ignore[arg-type]
            await self.ws.send(encode(start).decode())
            while not self.conversation_id:
                frame = parse_server_frame(await self.ws.recv())
                if isinstance(frame, ConversationStarted):
                    self.conversation_id = frame.conversation_id
            self.reader = asyncio.ensure_future(self._read())

        self._run(go())

    async def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        from desk_app.protocol.messages import parse_server_frame

        try:
            async for raw in self.ws:
                self.frames.append(parse_server_frame(raw))
        except ConnectionClosed:
            pass

    def send(self, frame: Any) -> None:
        from desk_app.protocol.messages import encode

        async def go() -> None:
            await self.ws.send(encode(frame).decode())

        self._run(go())

    def say(self, text: str) -> None:
        from desk_app.protocol.messages import SendMessage

        self.send(SendMessage(client_msg_id=uuid.uuid4().hex, text=text))

    def bot_replies(self) -> int:
        from desk_app.protocol.messages import MessageFrame, Sender

        return sum(
            1
            for f in list(self.frames)
            if isinstance(f, MessageFrame) and f.message.sender == Sender.BOT
        )

    def ask_then_hand_off(self, question: str, handoff: str = "转人工") -> None:
        before = self.bot_replies()
        self.say(question)
        pump(lambda: self.bot_replies() > before)
        self.say(handoff)
        pump(lambda: self.bot_replies() > before + 1)


def grab(widget: Any, name: str, lang: str) -> Path:
    path = OUT / f"{name}.{lang}.png"
    settle(0.3)
    if not widget.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    print(f"  {path}")
    return path


def main() -> int:
    global OUT
    parser = argparse.ArgumentParser(description="grab the desk's main screens")
    parser.add_argument("--lang", choices=["zh_CN", "en"], default="zh_CN")
    parser.add_argument("--out", type=Path, default=OUT, help="directory for the PNG files")
    args = parser.parse_args()
    OUT = args.out
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    OUT.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from desk_app.cli.demo import bot_and_knowledge
    from desk_app.desk import i18n, theme
    from desk_app.desk.app import DeskApp, create_application
    from desk_app.desk.dialogs.login import LoginDialog
    from desk_app.desk.dialogs.shortcuts_dialog import ShortcutsDialog
    from desk_app.desk.settings import DeskSettings, TokenVault
    from desk_app.protocol.messages import Typing
    from desk_app.server.app import ServerConfig, serve_in_thread
    from desk_app.store.agents import create_agent
    from desk_app.store.database import Store

    lang = args.lang
    zh = lang == "zh_CN"
    workdir = tempfile.TemporaryDirectory(prefix="desk-shots-")
    url = f"sqlite:///{Path(workdir.name) / 'shots.sqlite3'}"
    store = Store.open(url)
    bot, knowledge = bot_and_knowledge(store)
    store.write_sync(
        lambda s: create_agent(
            s, "lina", PASSWORD, display_name="李娜" if zh else "Lina", capacity=2, teams=["售后"]
        )
    )
    app = create_application(["desk-screenshots"])
    i18n.install_translators(app, lang)
    theme.apply_theme(app, "light")
    settings = DeskSettings(
        QSettings(str(Path(workdir.name) / "desk.ini"), QSettings.Format.IniFormat)
    )
    print(f"screenshots ({lang}):")
    with serve_in_thread(
        ServerConfig(port=0, db_url=url), bot=bot, knowledge=knowledge, store=store
    ) as running:
        # 1. the login window
        login = LoginDialog(server_url=running.url, username="lina", remember=True)
        login.password.setText(PASSWORD)
        login.show()
        login.password.deselect()
        grab(login, "login", lang)
        login.close()

        # 2. signed in, with conversations handed over by the bot
        desk = DeskApp(app, settings, vault=TokenVault(), language=lang)
        desk.login_with_password(running.url, "lina", PASSWORD, False)
        pump(lambda: desk.window is not None)
        window = desk.window
        assert window is not None
        assert desk.controller is not None
        window.resize(1440, 880)
        window.splitter.setSizes([430, 650, 360])
        controller = desk.controller

        people = (
            [
                (
                    "王先生",
                    {"vip": "金卡", "city": "杭州", "phone": "138****5678"},
                    "web",
                    "快递一般几天能到？",
                ),
                ("张女士", {"city": "上海"}, "web", "退款多久能到账？"),
                ("李雷", {"vip": "银卡"}, "terminal", "发票怎么开？"),
                ("陈晓", {}, "web", "优惠券为什么用不了？"),
                ("刘洋", {"vip": "普通"}, "web", "会员积分怎么兑换？"),
            ]
            if zh
            else [
                (
                    "Mr Wang",
                    {"vip": "gold", "city": "Hangzhou"},
                    "web",
                    "How long does a refund take?",
                ),
                ("Ms Zhang", {"city": "Shanghai"}, "web", "When will I get my refund?"),
                ("Li Lei", {"vip": "silver"}, "terminal", "How do I get an invoice?"),
                ("Chen Xiao", {}, "web", "Why can't I use my coupon?"),
                ("Liu Yang", {}, "web", "How do I redeem my points?"),
            ]
        )
        handoff = "转人工" if zh else "I want a human agent"
        customers = []
        for name, profile, channel, question in people:
            customer = Customer(running)
            customer.start(name, profile, channel)
            customer.ask_then_hand_off(question, handoff)
            customers.append(customer)
        first, second = customers[0], customers[1]
        pump(
            lambda: first.conversation_id in window.views and second.conversation_id in window.views
        )

        def queue_filled() -> bool:
            controller.flush_queue()
            return len(controller.queue) >= 3

        pump(queue_filled)
        cid = first.conversation_id
        window.show()
        window.raise_()
        window.activateWindow()
        window.show_conversation(cid)
        view = window.views[cid]
        reply = (
            "您好，我是李娜。我看到您和机器人的对话了，正在帮您查物流。"
            if zh
            else "Hello, I'm Lina. I've read your chat with the bot; let me check your refund."
        )
        controller.send_message(cid, reply)
        note = (
            "老客户，上次也是这个快递公司延误，语气注意"
            if zh
            else "Returning customer; refund was late last time too."
        )
        controller.send_message(cid, note, internal=True)
        follow_up = (
            "订单号是 A20240611，收件手机 13812345678，物流怎么一直不更新？"
            if zh
            else "Order A20240611, my phone is 13812345678. How long does a refund take?"
        )
        first.say(follow_up)
        transcript = controller.transcripts[cid]
        pump(lambda: any(m.text == follow_up for m in transcript.messages()))
        pump(lambda: bool(controller.suggestions.get(cid)), 10)
        second.say("我用的是信用卡" if zh else "I paid by credit card")
        first.send(Typing(is_typing=True))
        pump(lambda: view.typing.text() != "")
        view.composer.setPlainText(
            "物流显示已到杭州转运中心，" if zh else "The refund left us yesterday,"
        )
        window.left.setCurrentWidget(window.queue_view)
        controller.flush_queue()
        window.queue_view.table.selectRow(0)
        grab(window, "main", lang)

        # 3. my conversations with unread badges
        window.left.setCurrentWidget(window.mine_view)
        grab(window, "mine", lang)

        # 4. submit as knowledge: the customer's question and the agent's answer, masked
        answer = (
            "物流延误时：在「我的订单」查看物流，超过 72 小时没有更新可申请催件；"
            "催件后 24 小时内客服会回电。"
            if zh
            else "A refund to a credit card takes 7-15 working days and comes back as credit "
            "on the card. After 15 days, send us the order number and we ask the bank."
        )
        controller.send_message(cid, answer)
        pump(lambda: transcript.pending_count() == 0)
        rows = [
            r
            for r in range(transcript.rowCount())
            if transcript.entry(r)[0].text in (people[0][3], follow_up, answer)
        ]
        messages = transcript.messages(rows)
        from desk_app.desk.dialogs.submit_knowledge import SubmitKnowledgeDialog

        dialog = SubmitKnowledgeDialog(messages, window)
        dialog.show()
        grab(dialog, "submit-knowledge", lang)
        dialog.close()

        # 5. keyboard shortcuts (F1)
        shortcuts = ShortcutsDialog(window)
        shortcuts.show()
        grab(shortcuts, "shortcuts", lang)
        shortcuts.close()

        # 6. the dark theme
        window.left.setCurrentWidget(window.queue_view)
        window.dark_action.setChecked(True)
        grab(window, "main-dark", lang)
        window.dark_action.setChecked(False)

        for customer in customers:
            customer.send(Typing(is_typing=False))
        desk.shutdown()
        window.confirm_close = False
        window.close()
        QApplication.processEvents()
    store.close()
    workdir.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
