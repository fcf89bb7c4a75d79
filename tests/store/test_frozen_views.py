"""m003's views are generated from the definition the folder-wide history shares: the text
m003 runs must stay exactly what it ran when it was released."""

from __future__ import annotations

import hashlib

from buddy_jupyter.analytics import history
from buddy_jupyter.store import migrations, views

M003_SHA256 = "4d70f3ff61598c92e5f6a2fcbfb8500f0d92160cb2fc033322a2ad5d28ea4ba9"
"""The SHA-256 of the views' SQL as m003 was released."""


def test_m003_runs_the_text_it_was_released_with():
    assert hashlib.sha256(migrations.VIEWS_M003.encode()).hexdigest() == M003_SHA256


def test_the_store_and_the_folder_views_come_from_one_definition():
    assert migrations.VIEWS_M003 == views.create_views(folder=False)
    assert history.UNION_VIEWS == views.create_views(folder=True)
    assert history.VIEWS == migrations.BUDDY_VIEWS == views.NAMES
    for name in views.NAMES:
        for text in (migrations.VIEWS_M003, history.UNION_VIEWS):
            assert f"CREATE OR REPLACE VIEW {name} AS" in text
