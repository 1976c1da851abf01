"""Search in the shown conversation: Ctrl+F, F3/Shift+F3, /search and Esc, for the chat screen.

The state lives in the model (:class:`~tui_chat.ui.model.search.SearchState`); the log file is
read by a thread worker that reports with :class:`~tui_chat.ui.messages.SearchLogResult`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from textual.containers import Vertical
from textual.worker import get_current_worker

from ..irc.limits import DEFAULT_PORT
from .messages import SearchLogResult
from .model import Conversation
from .model.search import SearchState, compile_query, entry_matches, search_log_file
from .widgets import Highlight

if TYPE_CHECKING:
    from ..client import search as server_search
    from .screens.chat import ChatScreen
    from .widgets.search_panel import SearchBar, SearchResults


class SearchView:
    def __init__(self, chat: ChatScreen) -> None:
        self.chat = chat
        # Registered.caps had soju.im/search: F4 in the bar searches all history on the server.
        self.server_can_search = False
        self._everywhere: str | None = None  # the query whose server results are awaited

    def everywhere(self, query: str) -> None:
        """F4 in the bar: ask the server for ``query`` in all history the user may read."""
        bar = self.bar
        client = self.chat.controller.client
        if not self.server_can_search or client is None:
            bar.set_status("Server cannot search", problem=True)
            return
        from ..client import search as server_search  # with the client's events, after start-up

        try:
            client.send_raw(server_search.search_line(query))
        except ValueError:
            bar.set_status("Cannot search for that", problem=True)
            return
        self._everywhere = query
        self.chat.model.search = None
        self.chat.log_view.set_highlight(None)
        self.results.hide()
        bar.set_status("searching all history on the server…")

    def server_results(self, event: server_search.SearchResults) -> None:
        """The server's answer to :meth:`everywhere`: matches in the panel, oldest at the top."""
        query, self._everywhere = self._everywhere, None
        if query is None or not self.chat.query("#searchbar") or not self.bar.display:
            return
        if event.error:
            self.bar.set_status(f"all history: {event.error}", problem=True)
            return
        lines = []
        for hit in event.hits:
            stamp = hit.time.astimezone().strftime("%Y-%m-%d %H:%M:%S") if hit.time else " " * 19
            lines.append(f"{stamp} {hit.target} <{hit.sender}> {hit.text}")
        words = [re.escape(w) for w in query.split()[:8]]
        pattern = re.compile("|".join(words) or re.escape(query), re.IGNORECASE)
        style = self.chat.log_view.styles_for_render.match
        self.results.show_lines(lines, pattern, style)
        found = f"{len(lines)} matches" if lines else "no matches"
        self.bar.set_status(f"all history: {found}  ·  Esc closes", problem=not lines)

    @property
    def bar(self) -> SearchBar:
        from .widgets.search_panel import SearchBar  # with the first search (issue 12)

        return self.chat.query_one("#searchbar", SearchBar)

    @property
    def results(self) -> SearchResults:
        from .widgets.search_panel import SearchResults

        return self.chat.query_one("#search-results", SearchResults)

    async def open(self, query: str | None = None) -> None:
        """Open the search bar (Ctrl+F); with ``query``, search for it at once (/search)."""
        chat = self.chat
        if not chat.query("#searchbar"):
            from .widgets.search_panel import SearchBar, SearchResults

            main = chat.query_one("#main", Vertical)
            await main.mount(SearchResults(id="search-results"), after="#log")
            await main.mount(SearchBar(id="searchbar"), after="#unseen")
        bar = self.bar
        bar.display = True
        field = bar.field
        if query is not None:
            field.value = query
            self.run(query)
        elif chat.model.search is None:
            bar.set_status("Enter searches; F3 next, Shift+F3 previous, Esc closes")
        # At once, not with focus() (which waits for the app's queue): letters typed right
        # after Ctrl+F, in the same read from the terminal, belong in the search field.
        chat.set_focus(field)
        field.cursor_position = len(field.value)

    async def find(self, query: str) -> None:
        """Enter in the bar: the next match of the same search, or a new search."""
        state = self.chat.model.search
        if (
            state is not None
            and state.query == query
            and state.key == self.chat.model.conversations.current
        ):
            await self.step(1)
        else:
            self.run(query)

    def run(self, query: str) -> None:
        chat = self.chat
        model = chat.model
        conv = model.conversations.shown
        if conv is None:
            return
        old = model.search
        pattern = compile_query(query)
        model.search_tokens += 1
        state = SearchState(
            query=query,
            pattern=pattern,
            key=model.conversations.current,
            scrollback=[e for e in reversed(conv.log.entries) if entry_matches(e, pattern)],
            token=model.search_tokens,
            was_following=old.was_following if old is not None else chat.log_view.following,
        )
        model.search = state
        self.results.hide()
        path = self._log_path(conv)
        if path is not None:
            oldest = next((e for e in conv.log.entries if e.kind not in ("day", "separator")), None)
            before = oldest.time.astimezone().strftime("%Y-%m-%d %H:%M:%S") if oldest else ""
            state.file_pending = True
            token = state.token
            chat.run_worker(
                lambda: self._search_file(token, path, pattern, before),
                thread=True,
                exclusive=True,
                exit_on_error=False,
                group="search",
                description="search the conversation's chat log file",
            )
        if state.scrollback:
            state.index = 0
        self.show_match()

    def _log_path(self, conv: Conversation) -> Path | None:
        controller = self.chat.controller
        plan = controller.plan
        if controller.log_dir is None or plan is None or conv.kind == "server":
            return None
        from ..client.chatlog import chat_log_path

        return chat_log_path(controller.log_dir, plan.host, conv.name, plan.port or DEFAULT_PORT)

    def _search_file(self, token: int, path: Path, pattern: re.Pattern[str], before: str) -> None:
        """In the search worker's thread."""
        worker = get_current_worker()
        try:
            lines, total = search_log_file(path, pattern, before, lambda: worker.is_cancelled)
            error = ""
        except OSError as exc:
            lines, total, error = [], 0, f"log file unreadable: {exc.strerror or exc}"
        self.chat.post_message(SearchLogResult(token, lines, total, error))

    def file_result(self, message: SearchLogResult) -> None:
        state = self.chat.model.search
        if state is None or message.token != state.token:
            return
        state.file_pending = False
        state.file_lines = message.lines
        state.file_total = message.total
        state.file_error = message.error
        style = self.chat.log_view.styles_for_render.match
        self.results.show_lines(message.lines, state.pattern, style)
        if state.index is None and state.total:
            state.index = 0
        self.show_match()

    async def step(self, step: int) -> None:
        """F3 / Enter: the next (older) match; Shift+F3: the previous (newer) one."""
        state = self.chat.model.search
        if state is None:
            await self.open()
            return
        if state.total == 0:
            self.show_match()
            return
        index = 0 if state.index is None else state.index + step
        state.index = index % state.total  # wraps around, like less and WeeChat
        self.show_match()

    def show_match(self) -> None:
        state = self.chat.model.search
        if state is None:
            return
        log_view = self.chat.log_view
        results = self.results
        current = None
        if state.index is not None and state.index < len(state.scrollback):
            current = state.scrollback[state.index]
        log_view.set_highlight(
            Highlight(state.pattern, frozenset(state.scrollback), current)
            if state.scrollback
            else None
        )
        if current is not None:
            log_view.scroll_to_entry(current)
            results.highlighted = None
        elif state.index is not None and state.file_lines:
            older = state.index - len(state.scrollback)
            results.highlighted = len(state.file_lines) - 1 - older
            results.scroll_to_highlight()
        parts = []
        problem = False
        if state.total:
            parts.append(f"{state.index + 1 if state.index is not None else 0}/{state.total}")
            if state.index is not None and current is None:
                parts.append("in the log file")
        elif not state.file_pending:
            parts.append("no matches")
            problem = True
        if state.file_pending:
            parts.append("searching the log file…")
        elif state.file_total > len(state.file_lines):
            parts.append(f"newest {len(state.file_lines)} of {state.file_total} log-file matches")
        if state.file_error:
            parts.append(state.file_error)
        self.bar.set_status("  ·  ".join(parts), problem=problem)

    def close(self) -> None:
        chat = self.chat
        state, chat.model.search = chat.model.search, None
        if not chat.query("#searchbar"):
            return
        self.bar.display = False
        self.results.hide()
        chat.log_view.set_highlight(None)
        if state is not None and state.was_following:
            chat.log_view.jump_to_end()
        chat.chat_input.focus()
