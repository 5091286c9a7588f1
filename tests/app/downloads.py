"""Clicking a download button under AppTest: what the server builds and what its media store keeps.

AppTest makes a new media file manager for each run and drops it afterwards; `Media` keeps the one of the latest
run, so a test can click a button drawn by that run as the browser would, and ask the store what is still served.
"""

from __future__ import annotations

from typing import Any

from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileStorageError


class Media:
    """The media store of the latest AppTest run (install with ``Media(monkeypatch)`` before the runs)."""

    def __init__(self, monkeypatch: Any) -> None:
        media = self
        self.manager: MediaFileManager | None = None

        class Recorded(MediaFileManager):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                media.manager = self

        monkeypatch.setattr("streamlit.testing.v1.app_test.MediaFileManager", Recorded)

    def click(self, button: Any) -> tuple[bytes, str]:
        """Click an st.download_button: a deferred one runs its callable on the server now; a static one was stored
        when the page was drawn. Return the file's bytes and its media URL (/media/<id>.<ext>)."""
        proto = button.proto
        url = self.manager.execute_deferred(proto.deferred_file_id) if proto.deferred_file_id else proto.url
        return self.stored(url), url

    def stored(self, url: str) -> bytes:
        """What the media endpoint serves at ``url`` to anyone who has it (MediaFileStorageError when nothing)."""
        return bytes(self.manager._storage.get_file(url.rsplit("/", 1)[-1]).content)

    def reachable(self, url: str) -> bool:
        """Whether the media endpoint still serves ``url``."""
        try:
            self.stored(url)
        except MediaFileStorageError:
            return False
        return True

    def downloads(self) -> list[str]:
        """Every download the store serves now (not the media a page shows, such as the tab icon)."""
        from streamlit.runtime.media_file_storage import MediaFileKind

        storage = self.manager._storage
        return [storage.get_url(file_id) for file_id, file in list(storage._files_by_id.items())
                if file.kind == MediaFileKind.DOWNLOADABLE]
