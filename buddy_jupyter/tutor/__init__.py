"""What the offline buddy knows: teaching notes, Python's reference and docstrings, ranked.

Nothing here is imported when the extension loads; ``tutor.tutor.get_tutor`` opens
the docs index on the first question.
"""
