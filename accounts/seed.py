"""Demo users: one per role, with printed passwords."""

import secrets
from typing import Any

from .models import User
from .roles import Role
from .services import user_create, user_set_roles

DEMO_USERS = [
    ("cpo", Role.CPO, "Camille", "Ortega"),
    ("pm", Role.PRODUCT_MANAGER, "Priya", "Menon"),
    ("pm2", Role.PRODUCT_MANAGER, "Lukas", "Brandt"),
    ("exec", Role.EXECUTIVE, "Evelyn", "Shaw"),
    ("recruiter", Role.RECRUITER, "Rafael", "Costa"),
    ("integration", Role.INTEGRATION, "Integration", "Bot"),
]


def seed_demo(ctx: dict[str, Any]) -> None:
    """Create (or reset the password of) one demo user per role."""
    users = ctx.setdefault("users", [])
    by_username: dict[str, User] = {}
    for username, role, first, last in DEMO_USERS:
        password = ctx["password"] or secrets.token_urlsafe(9)
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                username=username,
                password=password,
                roles=[role],
                email=f"{username}@example.com",
                first_name=first,
                last_name=last,
            )
        else:
            user.set_password(password)
            user.is_active = True
            user.save(update_fields=["password", "is_active", "updated_at"])
            user_set_roles(user=user, roles=[role])
        users.append((username, str(role), password))
        by_username[username] = user
    ctx["demo_users"] = by_username
