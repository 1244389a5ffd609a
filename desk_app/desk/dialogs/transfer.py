"""Transfer a conversation to another agent or to a team's queue.

The protocol takes exactly one of an agent id or a team name; the dialog enforces that with
two radio choices. Agents come from the live roster (``agents.snapshot`` / ``agents.updated``
in :class:`~desk_app.desk.models.roster_model.RosterModel`): each row shows name, status,
load n/capacity and teams, and offline or full agents are listed but cannot be chosen. Teams
are the agent's own and those of everyone on the roster. Both fields stay editable because
a supervisor may name anyone.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.desk.models.roles import AgentIdRole, AvailableRole


class _OthersProxy(QSortFilterProxyModel):
    """The roster without the agent who is transferring."""

    def __init__(self, me: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.me = me

    def filterAcceptsRow(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> bool:
        model = self.sourceModel()
        return model is not None and model.index(row, 0, parent).data(AgentIdRole) != self.me


class TransferDialog(QDialog):
    """Pick a destination; read :meth:`destination` after ``exec()`` returned Accepted."""

    def __init__(
        self,
        *,
        teams: list[str] | None = None,
        agents: list[tuple[str, str]] | None = None,  # (id, display name), without a roster
        roster: QAbstractItemModel | None = None,  # a RosterModel: preferred over ``agents``
        me: str = "",  # this agent's id, left out of the roster
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("transferDialog")
        self.setWindowTitle(self.tr("Transfer conversation"))
        self.setMinimumWidth(360)
        layout = QVBoxLayout(self)
        self.to_team = QRadioButton(self.tr("To a team's queue"), self)
        self.to_agent = QRadioButton(self.tr("To an agent"), self)
        group = QButtonGroup(self)
        group.addButton(self.to_team)
        group.addButton(self.to_agent)
        self.team = QComboBox(self)
        self.team.setEditable(True)
        self.team.addItems(teams or [])
        self.agent = QComboBox(self)
        self.agent.setEditable(True)
        self.agent.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.agent.setMinimumContentsLength(32)
        self.others: _OthersProxy | None = None
        if roster is not None:
            self.others = _OthersProxy(me, self)
            self.others.setSourceModel(roster)
            self.agent.setModel(self.others)
            self.agent.setCurrentIndex(self._first_available())
        else:
            for agent_id, name in agents or []:
                self.agent.addItem(f"{name} ({agent_id})", agent_id)
        offered = bool(agents) or (self.others is not None and self.others.rowCount() > 0)
        self.note = QLineEdit(self)
        self.note.setMaxLength(200)
        self.note.setPlaceholderText(self.tr("What the next person should know (optional)"))
        form = QFormLayout()
        form.addRow(self.to_team, self.team)
        form.addRow(self.to_agent, self.agent)
        form.addRow(self.tr("Note"), self.note)
        layout.addLayout(form)
        if self.others is not None and self.others.rowCount() == 0:
            self.nobody = QLabel(self.tr("No other agent is on the desk right now."), self)
            self.nobody.setTextFormat(Qt.TextFormat.PlainText)
            layout.addWidget(self.nobody)
        self.error = QLabel("", self)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Transfer"))
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        (self.to_team if teams or not offered else self.to_agent).setChecked(True)
        self.to_team.toggled.connect(self._sync)
        self._sync()

    def _first_available(self) -> int:
        """The first agent who can take a transfer now, or -1 (nothing chosen)."""
        for row in range(self.agent.count()):
            if self.agent.itemData(row, AvailableRole):
                return row
        return -1

    def _sync(self) -> None:
        self.team.setEnabled(self.to_team.isChecked())
        self.agent.setEnabled(self.to_agent.isChecked())

    def destination(self) -> tuple[str | None, str | None, str]:
        """``(to_agent_id, to_team, note)`` with exactly one of the first two set."""
        note = self.note.text().strip()
        if self.to_team.isChecked():
            return None, self.team.currentText().strip() or None, note
        role = AgentIdRole if self.others is not None else Qt.ItemDataRole.UserRole
        data = self.agent.currentData(role)
        text = self.agent.currentText().strip()
        agent_id = data if data and self.agent.itemText(self.agent.currentIndex()) == text else text
        return (str(agent_id) or None), None, note

    def _check(self) -> None:
        agent_id, team, _ = self.destination()
        if not agent_id and not team:
            self.error.setText(self.tr("Choose a team or an agent."))
            return
        self.accept()
