"""Login lockout that counts failures in a window (SPEC §3).

"5 failures for one username within 15 minutes lock it for 15 minutes": axes' own
cache handler counts every failure since the first and refreshes the expiry on each,
so five failures an hour apart would lock too. This handler keeps the failure times
per username (in the shared cache) and locks for 15 minutes from the fifth failure
inside the window; attempts refused during a lockout neither count nor extend it.
"""

import logging
import time
from typing import Any

from axes.conf import settings
from axes.handlers.cache import AxesCacheHandler
from axes.helpers import (
    get_client_cache_keys,
    get_client_username,
    get_credentials,
    get_failure_limit,
)
from axes.signals import user_locked_out

log = logging.getLogger(__name__)

FAILURE_WINDOW_SECONDS = 15 * 60


class WindowedCacheHandler(AxesCacheHandler):
    """Counts failures of the last 15 minutes; locks for AXES_COOLOFF_TIME."""

    def _cooloff_seconds(self) -> float:
        return float(settings.AXES_COOLOFF_TIME.total_seconds())

    def _state(self, key: str, now: float) -> dict[str, Any]:
        state = self.cache.get(key)
        if not isinstance(state, dict):
            state = {}
        failures = [
            t for t in state.get("failures", []) if now - t < FAILURE_WINDOW_SECONDS
        ]
        return {"failures": failures, "locked_until": state.get("locked_until", 0.0)}

    def get_failures(
        self, request: Any, credentials: dict[str, Any] | None = None
    ) -> int:
        now = time.time()
        limit = get_failure_limit(request, credentials)
        counts = [0]
        for key in get_client_cache_keys(request, credentials):
            state = self._state(key, now)
            counts.append(
                limit if state["locked_until"] > now else len(state["failures"])
            )
        return max(counts)

    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: Any = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return
        username = get_client_username(request, credentials)
        if username is None:
            return  # only usernames are locked (SPEC §3)
        if getattr(request, "axes_locked_out", False):
            # Refused because already locked: not a new failure, no extension.
            self._announce(request, credentials, username)
            return
        now = time.time()
        limit = get_failure_limit(request, credentials)
        worst = 0
        for key in get_client_cache_keys(request, credentials):
            state = self._state(key, now)
            if state["locked_until"] <= now:
                state["failures"].append(now)
                if len(state["failures"]) >= limit:
                    state["locked_until"] = now + self._cooloff_seconds()
                timeout = int(FAILURE_WINDOW_SECONDS + self._cooloff_seconds()) + 1
                self.cache.set(key, state, timeout=timeout)
            locked = state["locked_until"] > now
            worst = max(worst, limit if locked else len(state["failures"]))
        request.axes_failures_since_start = worst
        if worst >= limit:
            self._announce(request, credentials, username)

    def user_logged_in(
        self, sender: Any, request: Any, user: Any, **kwargs: Any
    ) -> None:
        """A successful login clears the username's failures (AXES_RESET_ON_SUCCESS)."""
        if not settings.AXES_RESET_ON_SUCCESS:
            return
        credentials = get_credentials(user.get_username())
        now = time.time()
        for key in get_client_cache_keys(request, credentials):
            cleared = len(self._state(key, now)["failures"])
            self.cache.delete(key)
            log.info("AXES: cleared %d recent login failures on success.", cleared)

    def _announce(
        self, request: Any, credentials: dict[str, Any], username: str
    ) -> None:
        request.axes_locked_out = True
        request.axes_credentials = credentials
        user_locked_out.send(
            "axes",
            request=request,
            username=username,
            ip_address=getattr(request, "axes_ip_address", None),
        )
