"""`streamfx session report`: a session's report (docs/REPORTS.md) shown in the terminal,
written as CSV or Markdown, or drawn as a picture (matplotlib, imported for `--png` only)."""
