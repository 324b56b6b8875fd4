"""Nothing typed is lost when a session times out.

A form posted after the idle timeout is not saved: the user is signed out (IdleTimeoutMiddleware),
and what they typed is kept in the new, anonymous session with the page it was posted to. After the
same user signs in again they are taken back to that page and the form is shown again filled in
(bound to the kept entries, so any error shows too) with a message to check it and save again.
Nothing is ever saved without the user submitting the form again.

Not kept: the CSRF token, any field whose name contains "password", second-factor codes, and files.
Kept entries are shown only to the user who typed them (on a shared ward PC the next person to sign in
may be someone else), once, and for at most KEPT_FOR_S seconds.

A form view takes part by adding KeptEntriesMixin (StageFormView and the patient forms do); a view
binding other forms (formsets) reads `kept_entries(request)` as its data on GET.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import QueryDict

SESSION_KEY = "_kept_entries"
KEPT_FOR_S = 60 * 60
MAX_CHARS = 1_000_000  # a drawn signature is a few tens of kB; anything far larger is not kept
MESSAGE = "Your entries were kept: check them and save again."


def _not_kept(name: str) -> bool:
    lowered = name.lower()
    return lowered == "csrfmiddlewaretoken" or "password" in lowered or lowered.startswith("otp_")


def keep(request, *, path: str, user_id: int, at: float) -> bool:
    """Keep the posted fields of `request` in its (new, anonymous) session. True if anything was kept."""
    items = [[name, value] for name in request.POST for value in request.POST.getlist(name) if not _not_kept(name)]
    if not items or sum(len(name) + len(value) for name, value in items) > MAX_CHARS:
        return False
    request.session[SESSION_KEY] = {"path": path, "user_id": user_id, "at": at, "items": items}
    return True


def drop_stale(request, *, at: float) -> None:
    """For a signed-in request: drop entries kept for another user, or kept too long ago."""
    kept = request.session.get(SESSION_KEY)
    if kept is not None and (kept.get("user_id") != request.user.pk or at - kept.get("at", 0) > KEPT_FOR_S):
        del request.session[SESSION_KEY]


def kept_entries(request) -> QueryDict | None:
    """The entries kept for this page, on its GET, or None. Taken from the session once, by the view
    that shows the form (not before: a second-factor step may come first); adds the message."""
    if request.method != "GET" or not request.user.is_authenticated:
        return None
    data = getattr(request, "kept_entries", None)
    if data is None:
        kept = request.session.get(SESSION_KEY)
        if kept is None or kept.get("path") != request.path or kept.get("user_id") != request.user.pk:
            return None
        del request.session[SESSION_KEY]
        data = QueryDict(mutable=True)
        for name, value in kept["items"]:
            data.appendlist(name, value)
        data._mutable = False
        request.kept_entries = data
        messages.warning(request, MESSAGE)
    return data


class KeptEntriesMixin:
    """For a FormView: on the GET following a timed-out post, bind the form to the kept entries."""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        data = kept_entries(self.request)
        if data is not None:
            kwargs["data"] = data
        return kwargs
