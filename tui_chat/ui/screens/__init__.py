"""The app's screens, one module each: ``chat`` (the main screen), ``connect`` (``tui-chat``
with no subcommand) and ``help`` (F1). Nothing is imported here, so starting the chat does not
load the others."""
