"""Sign-in lockouts: django-axes, locking a username at one address, with a ceiling per address.

django-axes applies one failure limit to every lockout parameter it is given, so it cannot by
itself lock (username, address) after a few failures and an address alone only after many
more. This handler is its database handler with that second, higher ceiling added
(settings.AXES_HANDLER). An office or a classroom behind one address then keeps signing in
while one person mistypes their password, and a guesser who tries many usernames from one
address is still stopped.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def address_failures(request: HttpRequest) -> int:
    """Failed sign-ins from the request's address, any username, counted as django-axes counts
    its own: the failures of every attempt record whose pause has not run out."""
    total = AccessAttempt.objects.filter(
        ip_address=request.axes_ip_address,
        attempt_time__gte=get_cool_off_threshold(request),
    ).aggregate(failures=Sum("failures_since_start"))["failures"]
    return total or 0


class SignInLockoutHandler(AxesDatabaseHandler):
    """Locks (username, address) after AXES_FAILURE_LIMIT failures (AXES_LOCKOUT_PARAMETERS),
    and the address for every username after LOGIN_ADDRESS_FAILURE_LIMIT."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """The failures that count towards the lockout, on the scale of AXES_FAILURE_LIMIT:
        the username's from this address, or at least the limit once the address's own
        failures reach its ceiling. django-axes reads this both to refuse a sign-in and to
        answer the failure that reaches a limit with the lockout page."""
        failures = super().get_failures(request, credentials)
        if address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(failures, get_failure_limit(request, credentials))
        return failures
