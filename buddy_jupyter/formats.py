"""The output formats a learner can name, listed once: for answers, exports and the ``buddy`` command's
tables. The magics, the command line and the writers all read these (imported at ``%load_ext``: no imports)."""

ANSWER_FORMATS = ("markdown", "text", "code")
"""How an answer is shown: ``-f`` of ``%buddy``."""
EXPORT_FORMATS = ("md", "json", "ipynb")
"""What a conversation is exported as: ``%buddy export --format`` and ``buddy export --format``."""
TABLE_FORMATS = ("text", "csv", "json", "parquet")
"""How the ``buddy`` command prints a table."""
