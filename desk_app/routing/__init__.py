"""Routing: the waiting queue and who takes which conversation.

Plain Python with no sockets, rows or clocks (STYLE.md rule 2): the server tells
:class:`~desk_app.routing.queue.WaitingQueue` what happened, passing ``now``, and carries out
the :class:`~desk_app.routing.queue.Assign` decisions it returns. That keeps the policy
(priority, longest waiting, least-loaded agent with the team and free capacity) testable in
memory and cheap enough to run inline on the server's event loop with thousands waiting.
"""

from desk_app.routing.queue import AgentLoad, Assign, Waiting, WaitingQueue

__all__ = ["AgentLoad", "Assign", "Waiting", "WaitingQueue"]
