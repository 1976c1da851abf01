"""Which side panels show: both on a wide terminal, none below :data:`COLLAPSE_BELOW` columns,
and whatever the reader chose with F7/F8 from then on, at any width."""

from __future__ import annotations

from dataclasses import dataclass

# Below this many columns the sidebar (22) and user list (22) would leave the log too little.
COLLAPSE_BELOW = 100


@dataclass
class Panels:
    narrow: bool = False
    sidebar_choice: bool | None = None  # the reader's F7 choice; None: follow the width
    userlist_choice: bool | None = None  # F8

    def fit(self, width: int) -> bool:
        """The terminal is ``width`` columns wide; True when that changed what shows."""
        before = (self.sidebar, self.userlist)
        self.narrow = width < COLLAPSE_BELOW
        return (self.sidebar, self.userlist) != before

    @property
    def sidebar(self) -> bool:
        return self.sidebar_choice if self.sidebar_choice is not None else not self.narrow

    @property
    def userlist(self) -> bool:
        return self.userlist_choice if self.userlist_choice is not None else not self.narrow

    def toggle(self, panel: str) -> None:
        if panel == "sidebar":
            self.sidebar_choice = not self.sidebar
        elif panel == "userlist":
            self.userlist_choice = not self.userlist
