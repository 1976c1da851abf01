"""Search in the current conversation: the search bar, matches in the scrollback and in the
chat log file (searched by a thread worker). The search model and widgets live in :mod:`.search`.

:class:`SearchActions` is a mixin of :class:`~tui_chat.ui.app.ChatApp`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.containers import Vertical
from textual.widgets import OptionList
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from ..irc.limits import DEFAULT_PORT
from .message_log import Highlight
from .search import (
    SearchBar,
    SearchInput,
    SearchLogResult,
    SearchState,
    compile_query,
    entry_matches,
    log_line_text,
    search_log_file,
)

if TYPE_CHECKING:
    from .conversations import Conversation


class SearchActions:
    """Ctrl+F, F3/Shift+F3, /search and Esc (mixin of ChatApp)."""

    @property
    def search_bar(self) -> SearchBar:
        return self.query_one("#searchbar", SearchBar)

    async def action_search(self, query: str | None = None) -> None:
        """Open the search bar (Ctrl+F); with ``query``, search for it at once (/search)."""
        if not self.query("#searchbar"):
            main = self.query_one("#main", Vertical)
            await main.mount(OptionList(id="search-results"), after="#log")
            await main.mount(SearchBar(id="searchbar"), after="#unseen")
        bar = self.search_bar
        bar.display = True
        field = bar.query_one("#search-input", SearchInput)
        if query is not None:
            field.value = query
            self._run_search(query)
        elif self.search is None:
            bar.set_status("Enter searches; F3 next, Shift+F3 previous, Esc closes")
        field.focus()
        field.cursor_position = len(field.value)

    @on(SearchInput.Submitted, "#search-input")
    async def _search_submitted(self, event: SearchInput.Submitted) -> None:
        event.stop()
        query = event.value.strip()
        if not query:
            return
        state = self.search
        if state is not None and state.query == query and state.key == self.current:
            await self.action_search_step(1)
        else:
            self._run_search(query)

    def _run_search(self, query: str) -> None:
        conv = self.conversations.get(self.current)
        if conv is None:
            return
        log_view = self.log_view
        old = self.search
        pattern = compile_query(query)
        self._search_tokens += 1
        state = SearchState(
            query=query,
            pattern=pattern,
            key=self.current,
            scrollback=[e for e in reversed(conv.log.entries) if entry_matches(e, pattern)],
            token=self._search_tokens,
            was_following=old.was_following if old is not None else log_view.following,
        )
        self.search = state
        results = self.query_one("#search-results", OptionList)
        results.clear_options()
        results.display = False
        path = self._log_path(conv)
        if path is not None:
            oldest = next((e for e in conv.log.entries if e.kind not in ("day", "separator")), None)
            before = oldest.time.astimezone().strftime("%Y-%m-%d %H:%M:%S") if oldest else ""
            state.file_pending = True
            self._search_log_file(state.token, path, pattern, before)
        if state.scrollback:
            state.index = 0
        self._show_match()

    def _log_path(self, conv: Conversation) -> Path | None:
        session = self.session
        if self.log_dir is None or session is None or conv.kind == "server":
            return None
        from ..client.chatlog import chat_log_path

        return chat_log_path(self.log_dir, session.host, conv.name, session.port or DEFAULT_PORT)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="search",
        description="search the conversation's chat log file",
    )
    def _search_log_file(self, token: int, path: Path, pattern, before: str) -> None:
        worker = get_current_worker()
        try:
            lines, total = search_log_file(path, pattern, before, lambda: worker.is_cancelled)
            error = ""
        except OSError as exc:
            lines, total, error = [], 0, f"log file unreadable: {exc.strerror or exc}"
        self.post_message(SearchLogResult(token, lines, total, error))

    @on(SearchLogResult)
    def _search_log_result(self, message: SearchLogResult) -> None:
        state = self.search
        if state is None or message.token != state.token:
            return
        state.file_pending = False
        state.file_lines = message.lines
        state.file_total = message.total
        state.file_error = message.error
        results = self.query_one("#search-results", OptionList)
        results.clear_options()
        style = self.log_view.styles_for_render.match
        results.add_options(
            [Option(log_line_text(line, state.pattern, style)) for line in message.lines]
        )
        results.display = bool(message.lines)
        if state.index is None and state.total:
            state.index = 0
        self._show_match()

    async def action_search_step(self, step: int) -> None:
        """F3 / Enter: the next (older) match; Shift+F3: the previous (newer) one."""
        state = self.search
        if state is None:
            await self.action_search()
            return
        if state.total == 0:
            self._show_match()
            return
        index = 0 if state.index is None else state.index + step
        state.index = index % state.total  # wraps around, like less and WeeChat
        self._show_match()

    def _show_match(self) -> None:
        state = self.search
        if state is None:
            return
        log_view = self.log_view
        results = self.query_one("#search-results", OptionList)
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
        self.search_bar.set_status("  ·  ".join(parts), problem=problem)

    def action_search_close(self) -> None:
        state, self.search = self.search, None
        if not self.query("#searchbar"):
            return
        self.search_bar.display = False
        results = self.query_one("#search-results", OptionList)
        results.clear_options()
        results.display = False
        self.log_view.set_highlight(None)
        if state is not None and state.was_following:
            self.log_view.jump_to_end()
        self.input.focus()

    async def _cmd_search(self, text: str | None = None) -> None:
        await self.action_search(text.strip() if text and text.strip() else None)
