from .access import role_assignments


def navigation(request):
    """Roles for the menu and the unread notification count: one query each, per page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = {ra.role for ra in role_assignments(user)}
    return {
        "user_roles": roles,
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
    }
